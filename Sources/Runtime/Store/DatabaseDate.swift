import Foundation

/// Formats dates as GRDB stores them (`yyyy-MM-dd HH:mm:ss.SSS`, UTC) without a `DateFormatter`:
/// the transition entry point writes two dates per transition, and ICU formatting was a measurable
/// share of its cost.
func databaseDateString(_ date: Date) -> String {
    let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    var seconds = time_t(milliseconds.quotientAndRemainder(dividingBy: 1000).quotient)
    var fraction = Int(milliseconds - Int64(seconds) * 1000)
    if fraction < 0 {
        seconds -= 1
        fraction += 1000
    }
    var parts = tm()
    gmtime_r(&seconds, &parts)
    func pad(_ value: Int32, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
    return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2)) "
        + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(fraction), 3))"
}
