// The layout of the comparison: which sections, paragraphs and tables the report shows, in
// which order, with which headings (the document types are in ReportDocument.swift).
import Foundation
import ResultsStore

extension ComparisonReport {
    /// Selected on validation, reported on test (the sweep has a test split).
    var onTest: Bool { reportedOn == "test" }
    /// The compared loss and metric (of the split the cells are ranked on) as headers name them,
    /// and their machine-readable field names.
    var lossLabel: String { onTest ? "test loss" : "val loss" }
    var metricHeader: String { onTest ? "test \(sweep.metricName)" : sweep.metricName }
    var lossField: String { onTest ? "test_loss" : "val_loss" }
    var metricField: String { onTest ? "test_metric" : "metric" }
    var metricLabel: String { rankedBy.isMetric ? metricHeader : lossLabel }

    func document() -> ReportDocument {
        let direction = sweep.metricHigherIsBetter ? "higher is better" : "lower is better"
        var point = at == .best
            ? "at each run's best epoch (lowest validation loss; the metric is read at that epoch)"
            : "at each run's final epoch"
        if onTest {
            point = at == .best
                ? "selected on validation, reported on test: each run's epoch is its lowest validation loss; validation and test loss and metric are shown at that epoch, and the cells are compared on the test ones"
                : "reported on test at each run's final epoch (validation and test shown, cells compared on test)"
        }
        var overview: [String] = [
            "Task \(sweep.task), metric \(sweep.metricName) (\(direction)); created \(sweep.createdAt).",
            totalRuns == 0 ? "Runs: none (the sweep's plan is empty)."
                : "Runs: \(totalRuns) (" + statusCounts.map { "\($0.count) \($0.status.rawValue)" }.joined(separator: ", ") + ").",
        ]
        if inProgress {
            let waiting = statusCounts.filter { $0.status == .pending || $0.status == .running }
                .map { "\($0.count) \($0.status.rawValue)" }.joined(separator: ", ")
            overview.append("NOTE: this sweep is still running (\(waiting)); the numbers cover the finished runs only.")
        }
        if let interrupted = statusCounts.first(where: { $0.status == .interrupted }) {
            overview.append("NOTE: \(interrupted.count) run(s) were interrupted; running the same sweep again continues them.")
        }
        overview.append("Values \(point), mean ± sd over seeds of finished runs; cells ranked by \(metricLabel).")
        overview.append("Grid axes: " + (axes.isEmpty ? "none" : axes.joined(separator: ", "))
                        + "; a configuration is every axis but cell and seed.")
        let compared = comparedBaseline(of: sweep, onTest: onTest)
        let baseline = ReportTable(
            id: "baseline",
            headers: [onTest && !compared.onTest ? "trivial baseline (on validation)" : "trivial baseline",
                      compared.onTest ? "test loss" : "val loss", compared.onTest ? metricHeader : sweep.metricName],
            rows: [
                TableRow(subject: "baseline", cells: [.label("predicts without learning"),
                                                     .number(compared.loss, field: compared.onTest ? "baseline_test_loss" : "baseline_loss"),
                                                     .number(compared.metric, field: compared.onTest ? "baseline_test_metric" : "baseline_metric")]),
            ])

        let sections: [ReportSection?] = [
            ReportSection(heading: "Verdict", paragraphs: verdictParagraphs(), tables: []),
            ReportSection(heading: "Overview", paragraphs: overview, tables: [statusTable(), baseline]),
            ReportSection(heading: "Per configuration", paragraphs: [], tables: [configurationTable()], curvesAfter: true),
            ReportSection(heading: "Head to head", paragraphs: [], tables: [standingsTable(), pairedTable(), equalSizeTable(), timeToTargetTable()]),
            ReportSection(heading: "Hyperparameters", paragraphs: [], tables: [varianceTable(), bestLearningRateTable()]),
            budgetSection(),
            pruningSection(),
            ReportSection(heading: "Runs that did not finish",
                          paragraphs: unfinishedRuns.isEmpty ? ["Every run finished" + (pruning?.prunedRuns ?? 0 > 0 ? " or was pruned." : ".")] : [],
                          tables: unfinishedRuns.isEmpty ? [] : [unfinishedTable()]),
        ]
        return ReportDocument(title: "Sweep \(sweep.name): GRU vs LSTM comparison", sections: sections.compactMap { $0 })
    }

    private func statusTable() -> ReportTable {
        ReportTable(id: "status", headers: ["status", "runs"], rows: statusCounts.map { count in
            TableRow(subject: count.status.rawValue, cells: [.label(count.status.rawValue), .integer(count.count, field: "runs")])
        } + [TableRow(subject: "total", cells: [.label("total"), .integer(totalRuns, field: "runs")])])
    }

    private func configurationTable() -> ReportTable {
        var rows: [TableRow] = []
        for configuration in configurations {
            for result in configuration.cells {
                var runs = TableCell.integer(result.finished, field: "finished")
                runs.fields += [("diverged", .number(Double(result.diverged))),
                                ("other_unfinished", .number(Double(result.otherUnfinished)))]
                if result.diverged > 0 { runs.text += " +\(result.diverged) div" }
                if result.otherUnfinished > 0 { runs.text += " +\(result.otherUnfinished) unf" }
                if let pruned = result.pruned {
                    runs.text += " +\(pruned) pruned"
                    runs.fields.append(("pruned", .number(Double(pruned))))
                }
                var baseline = TableCell.label("–")
                if let beats = result.beatsBaseline {
                    baseline = TableCell(text: beats ? "better" : "NOT better", fields: [("beats_baseline", .number(beats ? 1 : 0))], isNumeric: false)
                }
                var verdict = TableCell.label("")
                if configuration.winner == result.cell {
                    var text = "winner"
                    verdict.fields.append(("winner", .number(1)))
                    if let difference = configuration.relativeDifference {
                        text += " by " + formatPercent(difference)
                        verdict.fields.append(("relative_difference", .number(difference)))
                    }
                    if let noise = configuration.withinNoise {
                        if noise { text += " ≈ noise" }
                        verdict.fields.append(("within_seed_noise", .number(noise ? 1 : 0)))
                    } else {
                        text += " ?"
                    }
                    verdict.text = text
                }
                var numbers: [TableCell] = [.stat(result.valLoss, field: "val_loss"), .stat(result.metric, field: "metric")]
                if onTest { numbers += [.stat(result.testLoss, field: "test_loss"), .stat(result.testMetric, field: "test_metric")] }
                rows.append(TableRow(configuration: configuration.label, cell: result.cell, cells: [
                    .label(configuration.label), .label(result.cell), runs,
                ] + numbers + [
                    .number(result.bestEpoch?.mean, field: "best_epoch_mean", digits: 3),
                    .number(result.secondsPerEpoch?.mean, field: "seconds_per_epoch", digits: 3),
                    .number(result.tokensPerSecond?.mean, field: "tokens_per_second", digits: 4),
                    .integer(result.paramCount, field: "param_count"), baseline, verdict,
                ] + testCells(configuration, isWinner: configuration.winner == result.cell)))
            }
        }
        return ReportTable(
            id: "configurations",
            headers: ["configuration", "cell", "n", "val loss", sweep.metricName] + (onTest ? ["test loss", "test \(sweep.metricName)"] : [])
                + ["best epoch", "s/epoch", "tokens/s", "params", "vs baseline", "verdict", "p (Welch)", "p (Holm)"],
            rows: rows,
            notes: [
                "winner: best mean \(metricLabel); \"by x%\" is |winner − runner-up| / |runner-up|.",
                "≈ noise: the lead is within seed noise, |mean difference| < √(sd₁² + sd₂²); ?: fewer than 2 seeds, noise unknown.",
                "n: finished runs (seeds); +k div: diverged runs, +k unf: failed, interrupted or not yet run (not in the means).",
                "p (Welch): two-sided Welch t-test of the winner's against the runner-up's \(metricLabel) over their seeds; p (Holm): adjusted by Holm-Bonferroni over the \(configurations.filter { $0.adjustedPValue != nil }.count) configurations with a test; * marks adjusted p < 0.05, the wins the verdict counts.",
            ] + (onTest ? ["val loss, \(sweep.metricName): validation at each run's chosen epoch; test loss, test \(sweep.metricName): the test split at that same epoch. The winner, vs baseline and p are on test."] : []))
    }

    /// The winner's row carries its configuration's test; the other rows are blank.
    private func testCells(_ configuration: ConfigurationResult, isWinner: Bool) -> [TableCell] {
        guard isWinner, let test = configuration.test, let adjusted = configuration.adjustedPValue else { return [.label(""), .label("")] }
        var raw = TableCell.number(test.pValue, field: "welch_p_value", digits: 3)
        raw.fields += [("welch_t", .number(test.t)), ("welch_df", .number(test.degreesOfFreedom))]
        var holm = TableCell.number(adjusted, field: "holm_p_value", digits: 3)
        holm.fields.append(("significant_after_holm", .number(configuration.significant == true ? 1 : 0)))
        if configuration.significant == true { holm.text += " *" }
        return [raw, holm]
    }

    private func standingsTable() -> ReportTable {
        ReportTable(
            id: "standings",
            headers: ["cell", "configurations", "wins", "wins (Holm)", "mean rank", "median s/epoch", "median tokens/s", "finished runs"],
            rows: standings.map { standing in
                TableRow(cell: standing.cell, cells: [
                    .label(standing.cell), .integer(standing.configurations, field: "configurations"),
                    .integer(standing.wins, field: "wins"), .integer(standing.significantWins, field: "wins_holm"),
                    .number(standing.meanRank, field: "mean_rank", digits: 3),
                    .number(standing.medianSecondsPerEpoch, field: "median_seconds_per_epoch", digits: 3),
                    .number(standing.medianTokensPerSecond, field: "median_tokens_per_second", digits: 4),
                    .integer(standing.finishedRuns, field: "finished_runs"),
                ])
            },
            notes: ["mean rank: rank by mean \(metricLabel) within each configuration (1 = best, ties share ranks).",
                    "wins (Holm): wins with Holm-adjusted p < 0.05 (see p (Holm) per configuration)."])
    }

    private func testCell(_ test: WilcoxonResult?, field: String) -> TableCell {
        guard let test else { return .label("–") }
        var fields: [(String, FieldValue)] = [
            ("\(field)_n", .number(Double(test.n))), ("\(field)_w_plus", .number(test.wPlus)),
            ("\(field)_w_minus", .number(test.wMinus)), ("\(field)_statistic", .number(test.statistic)),
            ("\(field)_p_value", .number(test.pValue)),
        ]
        if let z = test.z { fields.append(("\(field)_z", .number(z))) }
        let text = "W+=\(formatNumber(test.wPlus)) W-=\(formatNumber(test.wMinus)) p=\(formatNumber(test.pValue, digits: 4)) (\(test.method.rawValue), n=\(test.n))"
        return TableCell(text: text, fields: fields, isNumeric: false)
    }

    /// "[low, high]" (or "estimate [low, high]" as percentages for a relative effect).
    private func intervalCell(_ interval: IntervalEstimate?, field: String, withEstimate: Bool) -> TableCell {
        guard let interval else { return .label("–") }
        var fields: [(String, FieldValue)] = [("\(field)_low", .number(interval.low)), ("\(field)_high", .number(interval.high))]
        let text: String
        if withEstimate {
            fields.insert(("\(field)", .number(interval.estimate)), at: 0)
            text = "\(formatPercent(interval.estimate)) [\(formatPercent(interval.low)), \(formatPercent(interval.high))]"
        } else {
            text = "[\(formatNumber(interval.low, digits: 3)), \(formatNumber(interval.high, digits: 3))]"
        }
        return TableCell(text: text, fields: fields, isNumeric: false)
    }

    private func pairedTable() -> ReportTable {
        ReportTable(
            id: "paired",
            headers: ["A vs B", "pairs", "A better", "B better", "median A−B", "95% CI", "(A−B)/|B| [95% CI]", "Wilcoxon on \(metricHeader)",
                      "Wilcoxon on \(lossLabel)", "speed ratio"],
            rows: paired.map { pair in
                TableRow(subject: "\(pair.cellA) vs \(pair.cellB)", cells: [
                    .label("\(pair.cellA) vs \(pair.cellB)"), .integer(pair.pairs, field: "pairs"),
                    .integer(pair.aBetter, field: "a_better"), .integer(pair.bBetter, field: "b_better"),
                    .number(pair.medianDifference, field: "median_difference"),
                    intervalCell(pair.medianDifferenceInterval, field: "median_difference", withEstimate: false),
                    intervalCell(pair.relativeEffect, field: "relative_effect", withEstimate: true),
                    testCell(pair.metricWilcoxon, field: "\(metricField)_wilcoxon"), testCell(pair.lossWilcoxon, field: "\(lossField)_wilcoxon"),
                    .number(pair.speedRatio, field: "speed_ratio", digits: 3),
                ])
            },
            notes: [
                "Pairs: runs of A and B with the same configuration and seed, both finished; d = A − B.",
                "95% CI: percentile bootstrap of the median of d over the pairs (10,000 resamples of the pairs, fixed seed, so the report is reproducible). (A−B)/|B|: the median over pairs of d / |B|, the relative effect, with its interval from the same resamples.",
                "Wilcoxon signed-rank, two-sided: W+ sums the ranks of |d| where A > B; exact distribution for n ≤ 25, else normal approximation with tie and continuity corrections; zero differences dropped.",
                "speed ratio: median over pairs of B's seconds per epoch / A's (above 1: A is faster).",
            ])
    }

    private func equalSizeTable() -> ReportTable {
        let tolerance = formatPercent(equalSize.tolerance)
        var notes = ["Configurations of two cells sharing every setting but hidden size, compared when their parameter counts differ by at most \(tolerance)."]
        if equalSize.comparisons.isEmpty {
            notes.append("The grid has no such pair within \(tolerance); the closest pair per two cells is shown (within = no).")
        }
        return ReportTable(
            id: "equal_size",
            headers: ["A vs B", "shared settings", "A hidden", "A params", "B hidden", "B params", "param diff",
                      "within \(tolerance)", "A \(metricLabel)", "B \(metricLabel)", "winner"],
            rows: (equalSize.comparisons + equalSize.closestOutsideTolerance).map { comparison in
                let subject = "\(comparison.cellA) h=\(comparison.hiddenA) vs \(comparison.cellB) h=\(comparison.hiddenB)"
                var winner = TableCell.label(comparison.winner ?? "–")
                if let name = comparison.winner {
                    winner = .text(name + (comparison.withinNoise == true ? " ≈ noise" : ""), field: "winner")
                    if let noise = comparison.withinNoise { winner.fields.append(("within_seed_noise", .number(noise ? 1 : 0))) }
                }
                return TableRow(configuration: comparison.sharedSettings, subject: subject, cells: [
                    .label("\(comparison.cellA) vs \(comparison.cellB)"), .label(comparison.sharedSettings),
                    .integer(comparison.hiddenA, field: "hidden_a"), .integer(comparison.paramsA, field: "params_a"),
                    .integer(comparison.hiddenB, field: "hidden_b"), .integer(comparison.paramsB, field: "params_b"),
                    TableCell(text: formatPercent(comparison.relativeParamDifference),
                              fields: [("relative_param_difference", .number(comparison.relativeParamDifference))], isNumeric: true),
                    TableCell(text: comparison.withinTolerance ? "yes" : "no",
                              fields: [("within_tolerance", .number(comparison.withinTolerance ? 1 : 0))], isNumeric: false),
                    .stat(comparison.statA, field: "a"), .stat(comparison.statB, field: "b"), winner,
                ])
            },
            notes: notes)
    }

    private func timeToTargetTable() -> ReportTable {
        var rows: [TableRow] = []
        for target in timeToTarget {
            for cell in target.cells {
                rows.append(TableRow(configuration: target.configuration, cell: cell.cell, cells: [
                    .label(target.configuration), .number(target.targetLoss, field: "target_loss"),
                    .text(target.targetFrom, field: "target_from"), .label(cell.cell),
                    TableCell(text: "\(cell.reached)/\(cell.runs)",
                              fields: [("reached", .number(Double(cell.reached))), ("runs", .number(Double(cell.runs)))], isNumeric: true),
                    .stat(cell.epochs, field: "epochs", digits: 3), .stat(cell.seconds, field: "seconds", digits: 3),
                ]))
            }
        }
        return ReportTable(
            id: "time_to_target",
            headers: ["configuration", "target val loss", "set by", "cell", "reached", "epochs", "seconds"],
            rows: rows,
            notes: ["target: the mean best validation loss of the worse of GRU and LSTM in the configuration (all cells if not both ran), or --target-loss; epochs and seconds until the first epoch at or below it, over the runs that reach it."])
    }

    private func varianceTable() -> ReportTable {
        var rows: [TableRow] = []
        for analysis in variance {
            for share in analysis.shares {
                rows.append(TableRow(cell: analysis.scope, subject: share.axis, cells: [
                    .label(analysis.scope), .label(share.axis), .integer(share.levels, field: "levels"),
                    TableCell(text: formatPercent(share.share), fields: [("share", .number(share.share))], isNumeric: true),
                    .integer(analysis.runs, field: "runs"),
                ]))
            }
            if let remainder = analysis.remainder {
                rows.append(TableRow(cell: analysis.scope, subject: "remainder", cells: [
                    .label(analysis.scope), .label("remainder (interactions, noise)"), .label(""),
                    TableCell(text: formatPercent(remainder), fields: [("share", .number(remainder))], isNumeric: true),
                    .integer(analysis.runs, field: "runs"),
                ]))
            } else {
                rows.append(TableRow(cell: analysis.scope, subject: "no variance", cells: [
                    .label(analysis.scope), .label("(every run has the same \(metricLabel))"), .label(""), .label(""),
                    .integer(analysis.runs, field: "runs"),
                ]))
            }
        }
        return ReportTable(
            id: "variance",
            headers: ["scope", "axis", "levels", "share of variance", "runs"],
            rows: rows,
            notes: ["Main effects after Greff et al. 2017: share = Σ_levels n_l (mean_l − mean)² / Σ (y − mean)² of the \(metricLabel) over finished runs."])
    }

    private func bestLearningRateTable() -> ReportTable {
        ReportTable(
            id: "best_lr",
            headers: ["cell", "hidden", "best lr", metricLabel, "lrs tried", "runner-up lr", "≈ noise"],
            rows: bestLearningRates.map { best in
                var noise = TableCell.label("–")
                if let within = best.withinNoise {
                    noise = TableCell(text: within ? "yes" : "no", fields: [("within_seed_noise", .number(within ? 1 : 0))], isNumeric: false)
                }
                return TableRow(cell: best.cell, subject: "hidden=\(best.hidden)", cells: [
                    .label(best.cell), .integer(best.hidden, field: "hidden"), .number(best.lr, field: "lr"),
                    .stat(best.stat, field: "value"), .integer(best.learningRatesTried, field: "lrs_tried"),
                    .number(best.runnerUpLr, field: "runner_up_lr"), noise,
                ])
            },
            notes: ["Mean \(metricLabel) per learning rate over seeds (and any other axis), for each cell and hidden size."])
    }

    private func unfinishedTable() -> ReportTable {
        ReportTable(
            id: "unfinished",
            headers: ["run", "plan index", "configuration", "cell", "seed", "status", "epochs", "error"],
            rows: unfinishedRuns.map { run in
                TableRow(configuration: run.configuration, cell: run.cell, subject: "run \(run.runId)", cells: [
                    .integer(Int(run.runId), field: "run_id"), .integer(run.planIndex, field: "plan_index"),
                    .label(run.configuration), .label(run.cell), .integer(run.seed, field: "seed"),
                    .text(run.status.rawValue, field: "status"),
                    TableCell(text: "\(run.epochsDone)/\(run.epochsPlanned)",
                              fields: [("epochs_done", .number(Double(run.epochsDone))),
                                       ("epochs_planned", .number(Double(run.epochsPlanned)))], isNumeric: true),
                    run.error.map { .text($0, field: "error") } ?? .label(""),
                ])
            })
    }
}
