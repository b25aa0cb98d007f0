#!/usr/bin/env python3
"""Reads a TensorBoard log directory with TensorBoard's own code and prints what it
found as JSON, for RunnerEndToEndTests/TensorBoardReaderTests.

- scalars: EventAccumulator (tensorboard.backend.event_processing.event_accumulator)
  on every run folder: {run: {tag: [[step, value], ...]}}. Values are given as
  repr() strings (the shortest text that reads back to the same double), since JSON
  number parsers need not read back the exact double.
- hparams: the HParams plugin's own handlers (get_experiment, list_session_groups)
  over TensorBoard's multiplexer data provider, as the dashboard queries them:
  the experiment's hyperparameters and metrics, and every session's hyperparameter
  values, status and metric values.

Usage: read_logdir.py LOGDIR. Exit status 3 when tensorboard is not installed.
"""
import json
import os
import sys

try:
    from tensorboard import context
    from tensorboard.backend.event_processing import data_provider
    from tensorboard.backend.event_processing import event_accumulator
    from tensorboard.backend.event_processing import plugin_event_multiplexer
    from tensorboard.plugins import base_plugin
    from tensorboard.plugins.hparams import api_pb2
    from tensorboard.plugins.hparams import backend_context
    from tensorboard.plugins.hparams import get_experiment
    from tensorboard.plugins.hparams import list_session_groups
    from google.protobuf import json_format
except ImportError as error:
    print("tensorboard is not installed (%s)" % error, file=sys.stderr)
    sys.exit(3)


def scalars(logdir):
    result = {}
    for folder, _, files in sorted(os.walk(logdir)):
        if not any("tfevents" in name for name in files):
            continue
        accumulator = event_accumulator.EventAccumulator(folder, size_guidance={event_accumulator.SCALARS: 0})
        accumulator.Reload()
        tags = accumulator.Tags()["scalars"]
        if not tags:
            continue
        run = os.path.relpath(folder, logdir)
        result[run] = {tag: [[e.step, repr(e.value)] for e in accumulator.Scalars(tag)] for tag in tags}
    return result


def hparams(logdir):
    multiplexer = plugin_event_multiplexer.EventMultiplexer(max_reload_threads=1)
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    provider = data_provider.MultiplexerDataProvider(multiplexer, logdir)
    tb_context = base_plugin.TBContext(logdir=logdir, multiplexer=multiplexer, data_provider=provider)
    backend = backend_context.Context(tb_context)
    ctx = context.RequestContext()
    experiment = get_experiment.Handler(ctx, backend, "", api_pb2.GetExperimentRequest()).run()
    request = api_pb2.ListSessionGroupsRequest(
        allowed_statuses=[api_pb2.STATUS_UNKNOWN, api_pb2.STATUS_SUCCESS, api_pb2.STATUS_FAILURE, api_pb2.STATUS_RUNNING],
        start_index=0, slice_size=100000)
    groups = list_session_groups.Handler(ctx, backend, "", request).run()
    sessions = []
    for group in groups.session_groups:
        for session in group.sessions:
            sessions.append({
                "name": session.name,
                "group": group.name,
                "hparams": {k: json_format.MessageToDict(v) for k, v in group.hparams.items()},
                "status": api_pb2.Status.Name(session.status),
                "metrics": {m.name.tag: [m.training_step, repr(m.value)] for m in session.metric_values},
            })
    return {
        "experiment": {
            "name": experiment.name,
            "hparams": [json_format.MessageToDict(h) for h in experiment.hparam_infos],
            "metrics": [m.name.tag for m in experiment.metric_infos],
        },
        "sessions": sessions,
        "total_size": groups.total_size,
    }


if __name__ == "__main__":
    logdir = sys.argv[1]
    json.dump({"scalars": scalars(logdir), "hparams": hparams(logdir)}, sys.stdout, indent=1, sort_keys=True)
