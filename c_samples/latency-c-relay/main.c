// latency-c-relay: Go's way for a signal, in plain C: a handler on one thread, then two futex wake-ups to the thread that answers.
// Send: SIGUSR1; SIGTERM after "STAMP received"
// Output contains: STAMP received
// Output contains: STAGES
// Exit: killed by SIGTERM
// Wait: 3
//
// The control for the Go program's idle latency. Three threads, as a Go
// program with signal.Notify has: the handler's thread sleeps in sigsuspend (the
// only thread with SIGUSR1 unblocked), and its handler, like runtime.sigsend,
// stamps, records the signal and wakes the relay thread with FUTEX_WAKE. The
// relay thread, like the os/signal.loop goroutine, stamps and wakes the answering
// thread the same way, which stamps and prints, as the Go receiver does:
//
//	STAGES <handler entry> <waking the relay> <relay woke> <handler tid> <relay tid> <answer tid>
//	STAMP received <ns>
//
// No runtime, no scheduler, no GC: only the kernel delivering a signal and
// waking two threads. SIGTERM keeps its default action and ends the program.
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static atomic_int to_relay, to_answer;  // futex words: signals passed on so far
static volatile long long handler_ns, handled_ns, relay_ns;
static volatile long handler_tid, relay_tid;

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void wake(atomic_int *word) {
    atomic_fetch_add(word, 1);
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void wait_past(atomic_int *word, int seen) {
    while (atomic_load(word) == seen)
        syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
}

static void on_usr1(int sig) {  // clock_gettime, gettid and futex are async-signal-safe system calls
    (void)sig;
    handler_ns = now_ns();
    handler_tid = syscall(SYS_gettid);
    handled_ns = now_ns();
    wake(&to_relay);
}

static void *relay(void *arg) {
    (void)arg;
    for (int seen = 0;; seen++) {
        wait_past(&to_relay, seen);
        relay_ns = now_ns();
        relay_tid = syscall(SYS_gettid);
        wake(&to_answer);
    }
    return NULL;
}

static void *handle(void *arg) {
    sigset_t waiting;
    (void)arg;
    pthread_sigmask(SIG_SETMASK, NULL, &waiting);
    sigdelset(&waiting, SIGUSR1);
    for (;;)
        sigsuspend(&waiting);  // the only place SIGUSR1 is unblocked
    return NULL;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);

    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);  // every thread starts with SIGUSR1 blocked
    pthread_t t;
    pthread_create(&t, NULL, relay, NULL);
    pthread_create(&t, NULL, handle, NULL);

    printf("READY\n");
    fflush(stdout);
    long answer_tid = syscall(SYS_gettid);
    for (int seen = 0;; seen++) {
        wait_past(&to_answer, seen);
        long long received = now_ns();
        printf("STAGES %lld %lld %lld %ld %ld %ld\nSTAMP received %lld\n", handler_ns, handled_ns, relay_ns,
               handler_tid, relay_tid, answer_tid, received);
        fflush(stdout);
    }
}
