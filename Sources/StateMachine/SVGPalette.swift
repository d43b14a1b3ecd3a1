/// Colours and fonts of the SVG. Light colours are presentation attributes, so the drawing is right
/// even where CSS is ignored; the `<style>` only switches to dark colours under
/// `prefers-color-scheme: dark`. Every selector is scoped to `.maestro-lifecycle`, so the style
/// stays inside the drawing when a page embeds it inline.
enum SVGPalette {
    static let fonts = "ui-sans-serif, system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', Helvetica, Arial, sans-serif"
    static let background = "#ffffff"
    static let text = "#0f172a"
    static let muted = "#475569"
    static let edge = "#475569"
    static let group = "#94a3b8"
    static let markerFill = "#f1f5f9"
    static let badgeFill = "#0f172a"
    static let badgeText = "#ffffff"
    static let emptyBadgeFill = "#e2e8f0"
    static let emptyBadgeText = "#64748b"

    static func colours(_ kind: LifecycleOverview.Kind) -> (fill: String, stroke: String) {
        OverviewStyle.colours(kind)
    }

    /// Edge labels: a halo in the background colour keeps them legible where lines cross.
    static let labelAttributes =
        "class=\"ml-label\" fill=\"#1e293b\" stroke=\"\(background)\" stroke-width=\"4\" stroke-linejoin=\"round\" paint-order=\"stroke\""

    static let definitions = """
        <defs>
        <marker id="maestro-lifecycle-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="ml-arrowhead" d="M0 0L10 5L0 10z" fill="\(edge)"/></marker>
        <marker id="maestro-lifecycle-group-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="ml-group-arrowhead" d="M0 0L10 5L0 10z" fill="\(group)"/></marker>
        </defs>
        """

    static let style = """
        <style>
        @media (prefers-color-scheme: dark) {
          .maestro-lifecycle .ml-background { fill: #0f172a; }
          .maestro-lifecycle .ml-title, .maestro-lifecycle .ml-name, .maestro-lifecycle .ml-marker-number, .maestro-lifecycle .ml-legend text { fill: #e2e8f0; }
          .maestro-lifecycle .ml-muted { fill: #94a3b8; }
          .maestro-lifecycle .ml-line, .maestro-lifecycle .ml-initial path { stroke: #94a3b8; }
          .maestro-lifecycle .ml-arrowhead, .maestro-lifecycle .ml-initial circle { fill: #94a3b8; }
          .maestro-lifecycle .ml-label { fill: #cbd5e1; stroke: #0f172a; }
          .maestro-lifecycle .ml-group-arrow, .maestro-lifecycle .ml-marker { stroke: #64748b; }
          .maestro-lifecycle .ml-group-arrowhead { fill: #64748b; }
          .maestro-lifecycle .ml-marker { fill: #1e293b; }
          .maestro-lifecycle .ml-main .ml-box, .maestro-lifecycle .ml-swatch.ml-main { fill: #172554; stroke: #60a5fa; }
          .maestro-lifecycle .ml-side .ml-box, .maestro-lifecycle .ml-swatch.ml-side { fill: #422006; stroke: #fbbf24; }
          .maestro-lifecycle .ml-terminal .ml-box, .maestro-lifecycle .ml-swatch.ml-terminal { fill: #052e16; stroke: #4ade80; }
          .maestro-lifecycle .ml-badge rect { fill: #e2e8f0; }
          .maestro-lifecycle .ml-badge text { fill: #0f172a; }
          .maestro-lifecycle .ml-badge.ml-zero rect { fill: #334155; }
          .maestro-lifecycle .ml-badge.ml-zero text { fill: #94a3b8; }
        }
        </style>
        """
}
