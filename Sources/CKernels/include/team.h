// A persistent thread team for one model: fork-join phases of a training step
// on up to `capacity` threads, synchronised without locks while busy (atomic
// counters, a bounded spin), falling back to a condition variable when a
// thread has waited longer than the spin bound, so idle threads sleep.
#ifndef RUNNER_TEAM_H
#define RUNNER_TEAM_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rk_team rk_team;

/// The work of one phase: called once for each tid in [0, n), n threads at once; tid 0 runs
/// on the caller's thread.
typedef void (*rk_team_fn)(void *context, int tid, int n);

/// A team that can run phases on up to `capacity` threads (the caller plus capacity - 1
/// workers, started on first use). NULL if capacity < 1 or memory is short.
rk_team *rk_team_create(int capacity);

/// Stops and joins the workers, frees the team. NULL is ignored.
void rk_team_destroy(rk_team *team);

int rk_team_capacity(const rk_team *team);

/// Runs fn(context, tid, n) for tid in [0, n) and returns when every call has returned.
/// n is clamped to [1, capacity]; with n == 1 fn runs on the caller alone. Workers with
/// tid >= n are not woken. Not reentrant: one caller at a time, fn must not call it.
void rk_team_run(rk_team *team, int n, rk_team_fn fn, void *context);

/// Inside a phase of n threads: returns once all n have called it (every write before the call,
/// on any thread, is visible to every thread after it). All n threads must call it the same
/// number of times. Spins, then sleeps, like the other waits; n <= 1 returns at once.
void rk_team_barrier(rk_team *team, int n);

/// How long a waiting thread spins before it sleeps, in nanoseconds (default 50000).
void rk_team_set_spin_ns(rk_team *team, long nanoseconds);

#ifdef __cplusplus
}
#endif
#endif
