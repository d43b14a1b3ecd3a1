import Foundation

/// Formats dates as GRDB stores them (`yyyy-MM-dd HH:mm:ss.SSS`, UTC, to the nearest millisecond)
/// without a `DateFormatter`: the transition entry point writes two dates per transition, and ICU
/// formatting was a measurable share of its cost.
func databaseDateString(_ date: Date) -> String {
    let (parts, fraction) = utcComponents(date)
    return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2)) "
        + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(fraction), 3))"
}

/// RFC 3339 in UTC with milliseconds (`2026-12-01T15:04:05.123Z`), to the nearest millisecond, the
/// same instant the store keeps. `ISO8601Format` truncates, and a stored millisecond read back as a
/// double is often a hair below itself, so it printed one millisecond early about half the time.
func rfc3339String(_ date: Date) -> String {
    let (parts, fraction) = utcComponents(date)
    return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
        + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(fraction), 3))Z"
}

/// The date rounded to a whole millisecond: what the store keeps, and what every write uses.
func wholeMilliseconds(_ date: Date) -> Date {
    Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
}

private func pad(_ value: Int32, _ width: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

private func utcComponents(_ date: Date) -> (tm, Int) {
    let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
    var seconds = time_t(milliseconds.quotientAndRemainder(dividingBy: 1000).quotient)
    var fraction = Int(milliseconds - Int64(seconds) * 1000)
    if fraction < 0 {
        seconds -= 1
        fraction += 1000
    }
    var parts = tm()
    gmtime_r(&seconds, &parts)
    return (parts, fraction)
}
