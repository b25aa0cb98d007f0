// The one "did you mean" rule for misspelled names: spec fields, task fields, task names,
// cells and optimisers.

/// The valid name at the smallest edit distance from `name`, if that distance is at most
/// a third of the longer name (at least 2).
public func closestName(to name: String, among validNames: [String]) -> String? {
    // A name over four times the longest candidate (plus 8) is farther than the limit from
    // every candidate (the distance is at least the difference in length): no table needed,
    // so a 100,000-character key costs nothing.
    let longest = validNames.map(\.count).max() ?? 0
    if name.count > 4 * longest + 8 { return nil }
    let lowered = name.lowercased()
    var best: (name: String, distance: Int)?
    for candidate in validNames {
        let distance = editDistance(lowered, candidate.lowercased())
        if best == nil || distance < best!.distance { best = (candidate, distance) }
    }
    guard let best else { return nil }
    let limit = max(2, max(name.count, best.name.count) / 3)
    return best.distance <= limit ? best.name : nil
}

/// Levenshtein distance (insertions, deletions, substitutions of characters), plus
/// transposition of two adjacent characters counted as one edit.
public func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { table[i][0] = i }
    for j in 0...b.count { table[0][j] = j }
    for i in 1...a.count {
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
            }
        }
    }
    return table[a.count][b.count]
}
