import Foundation

/// Formats dates as GRDB stores them (`yyyy-MM-dd HH:mm:ss.SSS`, UTC, to the nearest millisecond)
/// without a `DateFormatter`: the transition entry point writes two dates per transition, and ICU
/// formatting was a measurable share of its cost.
func databaseDateString(_ date: Date) -> String {
    formatted(date, separator: " ", zone: "")
}

/// RFC 3339 in UTC with milliseconds (`2026-12-01T15:04:05.123Z`), to the nearest millisecond, the
/// same instant the store keeps. `ISO8601Format` truncates, and a stored millisecond read back as a
/// double is often a hair below itself, so it printed one millisecond early about half the time.
func rfc3339String(_ date: Date) -> String {
    formatted(date, separator: "T", zone: "Z")
}

/// The date rounded to a whole millisecond: what the store keeps, and what every write uses.
func wholeMilliseconds(_ date: Date) -> Date {
    Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
}

/// `yyyy-MM-dd?HH:mm:ss.SSS` and the zone, digit by digit into the string's own storage: every
/// JSON time and every stored date goes through here (two per running row of `GET /api/v1/state`).
private func formatted(_ date: Date, separator: Unicode.Scalar, zone: String) -> String {
    let (parts, fraction) = utcComponents(date)
    let year = Int(parts.tm_year) + 1900
    guard (0...9999).contains(year) else {
        return "\(pad(year, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))\(separator)"
            + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)).\(pad(fraction, 3))\(zone)"
    }
    let fields: [(value: Int, width: Int, after: UInt8?)] = [
        (year, 4, UInt8(ascii: "-")), (Int(parts.tm_mon) + 1, 2, UInt8(ascii: "-")), (Int(parts.tm_mday), 2, UInt8(ascii: separator)),
        (Int(parts.tm_hour), 2, UInt8(ascii: ":")), (Int(parts.tm_min), 2, UInt8(ascii: ":")), (Int(parts.tm_sec), 2, UInt8(ascii: ".")),
        (fraction, 3, nil),
    ]
    return String(unsafeUninitializedCapacity: 23 + zone.utf8.count) { buffer in
        var index = 0
        for field in fields {
            var value = field.value
            for position in stride(from: index + field.width - 1, through: index, by: -1) {
                buffer[position] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
            index += field.width
            if let after = field.after {
                buffer[index] = after
                index += 1
            }
        }
        for byte in zone.utf8 {
            buffer[index] = byte
            index += 1
        }
        return index
    }
}

private func pad(_ value: Int, _ width: Int) -> String {
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
