// The head to head at nearly equal parameter count: configurations that differ only in
// `hidden`, paired across cells whose parameter counts lie within the tolerance (or, when none
// do, the closest pair).
import Foundation
import ResultsStore

extension ComparisonInputs {
    /// The comparisons within `options.equalSizeTolerance`, and the closest pair outside it per pair of cells without any.
    func equalSize(_ cellResultsByKey: [[ConfigValue]: [String: CellResult]]) -> EqualSizeSection {
        let hiddenIndex = configurationAxes.firstIndex(of: "hidden")
        var equalComparisons: [EqualSizeComparison] = []
        var closest: [EqualSizeComparison] = []
        for (cellA, cellB) in cellPairs {
            var candidates: [EqualSizeComparison] = []
            for keyA in configurationKeys {
                guard let resultA = cellResultsByKey[keyA]?[cellA], let paramsA = resultA.paramCount else { continue }
                var shared = keyA
                if let hiddenIndex { shared.remove(at: hiddenIndex) }
                for keyB in configurationKeys {
                    var sharedB = keyB
                    if let hiddenIndex { sharedB.remove(at: hiddenIndex) }
                    guard sharedB == shared, let resultB = cellResultsByKey[keyB]?[cellB],
                          let paramsB = resultB.paramCount, max(paramsA, paramsB) > 0 else { continue }
                    let difference = Double(abs(paramsA - paramsB)) / Double(max(paramsA, paramsB))
                    let statA = resultA.stat(rankedBy)
                    let statB = resultB.stat(rankedBy)
                    var winner: String?
                    var noise: Bool?
                    if let statA, let statB, statA.mean != statB.mean {
                        winner = better(statA.mean, statB.mean) ? cellA : cellB
                        noise = withinNoise(statA, statB)
                    }
                    let sharedAxes = configurationAxes.filter { $0 != "hidden" }
                    candidates.append(EqualSizeComparison(
                        cellA: cellA, cellB: cellB, sharedSettings: label(shared, axes: sharedAxes),
                        hiddenA: byConfiguration[keyA]!.first!.run.hidden,
                        hiddenB: byConfiguration[keyB]!.first!.run.hidden,
                        paramsA: paramsA, paramsB: paramsB, relativeParamDifference: difference,
                        withinTolerance: difference <= options.equalSizeTolerance,
                        statA: statA, statB: statB, winner: winner, withinNoise: noise))
                }
            }
            let within = candidates.filter(\.withinTolerance)
            if within.isEmpty {
                if let nearest = candidates.min(by: { $0.relativeParamDifference < $1.relativeParamDifference }) {
                    closest.append(nearest)
                }
            } else {
                equalComparisons += within
            }
        }
        return EqualSizeSection(tolerance: options.equalSizeTolerance, comparisons: equalComparisons,
                                closestOutsideTolerance: closest)
    }
}
