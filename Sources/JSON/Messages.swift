// JSON values in messages and the largest integer a JSON number carries exactly.

/// Largest integer a JSON number (a Double) carries exactly: 2^53. Integer fields refuse
/// anything larger in magnitude.
public let largestExactInteger = 9_007_199_254_740_992.0

/// A JSON value as it appears in a problem message: its canonical JSON, cut to 60 characters.
public func shortJSON(_ value: JSONValue) -> String {
    let text = canonicalJSON(value)
    return text.count <= 60 ? text : String(text.prefix(57)) + "..."
}
