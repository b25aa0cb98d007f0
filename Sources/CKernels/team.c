// The thread team (see include/team.h). One phase = one generation: the caller publishes
// the job, bumps each participant's own `go` counter, runs tid 0 and waits for `remaining`
// to reach 0. Waiting (workers for work, the caller for the others) spins on an atomic for
// at most spin_ns, then sleeps on the team's condition variable; whoever changes a counter
// that a sleeper may be waiting for broadcasts only if someone announced they sleep
// (the `sleepers` count, checked after the change, seq_cst on both sides, so either the
// waiter sees the change before sleeping or the changer sees the waiter and wakes it).
#include "team.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define rk_pause() _mm_pause()
#elif defined(__aarch64__)
#define rk_pause() __asm__ __volatile__("yield")
#else
#define rk_pause() ((void)0)
#endif

/// One worker's slot, alone on its cache line(s) so that one thread's counter does not
/// bounce another's line.
typedef struct {
    _Alignas(64) atomic_long go;  // generation of the last phase this worker was asked to run
    pthread_t thread;
    struct rk_team *team;
    int tid;
    char pad[64];
} worker_slot;

struct rk_team {
    int capacity, started;
    _Alignas(64) atomic_int remaining;  // participants (without tid 0) still running the phase
    _Alignas(64) atomic_int sleepers;   // threads sleeping or about to sleep on `wake`
    atomic_int quit;
    _Alignas(64) atomic_int arrived;    // threads at the current barrier of the running phase
    _Alignas(64) atomic_long barriers;  // barriers completed (a phase's threads wait for it to change)
    long generation;                    // written by the caller only
    rk_team_fn fn;                      // the phase's job, published before `go` is bumped
    void *context;
    int n;
    long spin_ns;
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    worker_slot *slots;                 // slots[tid] for tid in [1, capacity)
};

static long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void broadcast_if_sleepers(rk_team *t) {
    if (atomic_load(&t->sleepers) > 0) {
        pthread_mutex_lock(&t->mutex);
        pthread_cond_broadcast(&t->wake);
        pthread_mutex_unlock(&t->mutex);
    }
}

/// One pause of a spin-then-sleep wait, the i-th (from 0): true once the team's spin time
/// (`spin_ns`, counted from the first clock read) is used up. The clock is read every 64 pauses.
static inline int spin_expired(const rk_team *t, unsigned i, long *deadline) {
    rk_pause();
    if ((i & 63) != 63) return 0;
    long now = now_ns();
    if (*deadline == 0) {
        *deadline = now + t->spin_ns;
        return 0;
    }
    return now >= *deadline;
}

/// Waits until *counter != old or the team quits (a worker waiting for its next phase) ...
static long wait_changed(rk_team *t, atomic_long *counter, long old) {
    long v;
    long deadline = 0;
    for (unsigned i = 0;; i++) {
        v = atomic_load_explicit(counter, memory_order_acquire);
        if (v != old || atomic_load_explicit(&t->quit, memory_order_relaxed)) return v;
        if (spin_expired(t, i, &deadline)) break;
    }
    pthread_mutex_lock(&t->mutex);
    atomic_fetch_add(&t->sleepers, 1);
    while ((v = atomic_load(counter)) == old && !atomic_load(&t->quit)) pthread_cond_wait(&t->wake, &t->mutex);
    atomic_fetch_sub(&t->sleepers, 1);
    pthread_mutex_unlock(&t->mutex);
    return v;
}

/// ... and until `remaining` is 0 (the caller, at the end of a phase).
static void wait_done(rk_team *t) {
    long deadline = 0;
    for (unsigned i = 0;; i++) {
        if (atomic_load_explicit(&t->remaining, memory_order_acquire) == 0) return;
        if (spin_expired(t, i, &deadline)) break;
    }
    pthread_mutex_lock(&t->mutex);
    atomic_fetch_add(&t->sleepers, 1);
    while (atomic_load(&t->remaining) != 0) pthread_cond_wait(&t->wake, &t->mutex);
    atomic_fetch_sub(&t->sleepers, 1);
    pthread_mutex_unlock(&t->mutex);
}

static void *worker_main(void *arg) {
    worker_slot *s = arg;
    rk_team *t = s->team;
    long seen = 0;
    for (;;) {
        seen = wait_changed(t, &s->go, seen);
        if (atomic_load(&t->quit)) return NULL;
        t->fn(t->context, s->tid, t->n);  // published before go (release/acquire)
        if (atomic_fetch_sub(&t->remaining, 1) == 1) broadcast_if_sleepers(t);
    }
}

rk_team *rk_team_create(int capacity) {
    if (capacity < 1) return NULL;
    rk_team *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->capacity = capacity;
    t->spin_ns = 50000;
    if (capacity > 1) {
        void *p = NULL;
        if (posix_memalign(&p, 64, sizeof(worker_slot) * (size_t)capacity) != 0) { free(t); return NULL; }
        t->slots = p;
    }
    pthread_mutex_init(&t->mutex, NULL);
    pthread_cond_init(&t->wake, NULL);
    atomic_init(&t->remaining, 0);
    atomic_init(&t->sleepers, 0);
    atomic_init(&t->quit, 0);
    atomic_init(&t->arrived, 0);
    atomic_init(&t->barriers, 0);
    return t;
}

static void start_workers(rk_team *t) {
    for (int i = 1; i < t->capacity; i++) {
        worker_slot *s = &t->slots[i];
        atomic_init(&s->go, 0);
        s->team = t;
        s->tid = i;
        if (pthread_create(&s->thread, NULL, worker_main, s) != 0) abort();
    }
    t->started = 1;
}

void rk_team_destroy(rk_team *t) {
    if (!t) return;
    if (t->started) {
        atomic_store(&t->quit, 1);
        pthread_mutex_lock(&t->mutex);
        pthread_cond_broadcast(&t->wake);
        pthread_mutex_unlock(&t->mutex);
        for (int i = 1; i < t->capacity; i++) pthread_join(t->slots[i].thread, NULL);
    }
    pthread_mutex_destroy(&t->mutex);
    pthread_cond_destroy(&t->wake);
    free(t->slots);
    free(t);
}

int rk_team_capacity(const rk_team *t) { return t->capacity; }

void rk_team_set_spin_ns(rk_team *t, long ns) { t->spin_ns = ns < 0 ? 0 : ns; }

void rk_team_run(rk_team *t, int n, rk_team_fn fn, void *context) {
    if (n > t->capacity) n = t->capacity;
    if (n <= 1) {
        fn(context, 0, 1);
        return;
    }
    if (!t->started) start_workers(t);
    t->fn = fn;
    t->context = context;
    t->n = n;
    t->generation++;
    atomic_store_explicit(&t->remaining, n - 1, memory_order_relaxed);
    for (int i = 1; i < n; i++) atomic_store(&t->slots[i].go, t->generation);  // seq_cst: ordered before the sleepers check
    broadcast_if_sleepers(t);
    fn(context, 0, n);
    wait_done(t);
}

void rk_team_barrier(rk_team *t, int n) {
    if (n <= 1) return;
    long completed = atomic_load(&t->barriers);
    if (atomic_fetch_add(&t->arrived, 1) == n - 1) {
        // The last to arrive: reset the count before releasing the others (they cannot reach
        // the next barrier before `barriers` changes), then wake any that went to sleep.
        atomic_store(&t->arrived, 0);
        atomic_fetch_add(&t->barriers, 1);
        broadcast_if_sleepers(t);
    } else {
        wait_changed(t, &t->barriers, completed);
    }
}
