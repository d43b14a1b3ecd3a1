/// How an issue's tracker state relates to its lifecycle, as seen by the machine.
///
/// The runtime never branches on tracker state names; it classifies an observation with
/// ``classify(_:state:phase:policy:)`` and hands the standing to the machine as context.
public enum TrackerStanding: String, Sendable, Hashable, CaseIterable, Codable {
    /// The tracker agrees with the current phase; nothing to do.
    case fitsPhase = "fits_phase"
    /// Active and routable while the issue is in another phase (changes requested, reopened).
    case movedToActive = "moved_to_active"
    /// Moved to the review tracker state.
    case movedToReview = "moved_to_review"
    /// Moved to the done tracker state while the done phase is enabled.
    case movedToDone = "moved_to_done"
    /// Active, but not routable: a required label is missing, a blocker is unfinished, or the
    /// adapter marked it not dispatchable.
    case unroutable
    /// Neither active nor terminal, or no longer visible in the tracker.
    case inactive
    /// A terminal tracker state.
    case terminal
}

/// What the runtime observed in the tracker for one issue.
public struct TrackerObservation: Sendable, Hashable {
    /// The tracker state as the provider spells it; `nil` when the issue is no longer visible.
    public var state: String?
    /// Whether required labels are present, no blocker is unfinished and the adapter allows dispatch.
    public var routable: Bool

    public init(state: String?, routable: Bool) {
        self.state = state
        self.routable = routable
    }
}

/// Normalizes a tracker state for comparison: trimmed and lowercased.
public func normalizedTrackerState(_ state: String) -> String {
    state.trimmingWhitespace().lowercased()
}

extension TrackerStanding {
    /// Classifies an observation for an issue in `state` whose phase is `phase`.
    ///
    /// A closed issue counts as past the done phase, so only an active state reopens it.
    public static func classify(
        _ observation: TrackerObservation,
        state: LifecycleState,
        phase: Phase,
        policy: MachinePolicy
    ) -> TrackerStanding {
        guard let raw = observation.state else { return .inactive }
        let name = normalizedTrackerState(raw)
        let states = policy.trackerStates
        let current = state == .closed ? Phase.done : phase
        if policy.review != .off, name == states.review {
            return current == .review ? .fitsPhase : .movedToReview
        }
        if policy.donePhase, name == states.done {
            return current == .done ? .fitsPhase : .movedToDone
        }
        if states.terminal.contains(name) { return .terminal }
        if states.active.contains(name) {
            guard observation.routable else { return .unroutable }
            return current == .implementation ? .fitsPhase : .movedToActive
        }
        return .inactive
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.isWhitespace { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
