// latency-c-kill: C alone times the way from kill() or raise() to its own sigaction handler, with no harness around it.
// Args: -n 200
// Send: nothing
// Output contains: raise-to-handler n=200
// Output contains: kill-to-handler n=200
// Output contains: kill-to-handler-same-cpu n=200
// Exit: 0
//
// raise: the handler runs before raise() returns, on the same thread: the bare
// cost of entering the kernel and being sent back through a handler.
// kill: a forked child sleeps in sigsuspend; the parent stamps CLOCK_MONOTONIC,
// calls kill(child, SIGUSR1), and reads back the stamp the child's handler took.
// That is what a signal from another process costs, the path the Python sender
// takes to the latency-c-floor sample. Most of it is waking the sleeping child:
// it is measured three times, with the kernel free to place both processes
// (kill-to-handler), with both pinned to one CPU (-same-cpu), and with the
// child pinned to another CPU (-cross-cpu, when there are two), where the
// wake-up has to reach another, possibly idle, CPU. The parent waits a random 0-1 ms between
// signals so the child is asleep when each one arrives.
// Prints one line per measurement: n, median, p99 and max in ns.
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t hits;
static volatile long long handler_ns;  // volatile: written by the handler

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void on_usr1(int sig) {
    (void)sig;
    handler_ns = now_ns();  // clock_gettime is async-signal-safe
    hits = hits + 1;
}

static void install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
}

static int by_value(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

static void report(const char *way, long long *ns, int n) {
    qsort(ns, (size_t)n, sizeof ns[0], by_value);
    printf("%s n=%d median_ns=%lld p99_ns=%lld max_ns=%lld\n", way, n, ns[n / 2],
           ns[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1], ns[n - 1]);
    fflush(stdout);
}

static int full_read(int fd, void *buf, size_t len) {
    char *p = buf;
    while (len > 0) {
        ssize_t r = read(fd, p, len);
        if (r <= 0)
            return -1;
        p += r;
        len -= (size_t)r;
    }
    return 0;
}

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
}

// child: sleep in sigsuspend, send back each handler stamp through the pipe.
static void child(int wfd, int cpu) {
    sigset_t usr1, waiting;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (cpu >= 0)
        pin(cpu);
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, &waiting);
    sigdelset(&waiting, SIGUSR1);
    install();
    char ready = 'R';
    if (write(wfd, &ready, 1) != 1)
        _exit(1);
    int sent = hits;  // the count inherited from the raise loop
    for (;;) {
        while (sent == hits)
            sigsuspend(&waiting);
        long long stamp = handler_ns;
        if (write(wfd, &stamp, sizeof stamp) != (ssize_t)sizeof stamp)
            _exit(1);
        sent++;
    }
}

// kill_loop: n signals to a forked child, parent on parent_cpu, child on child_cpu
// (-1: wherever the kernel puts them). Fills ns with kill-to-handler times.
static int kill_loop(long long *ns, int n, int parent_cpu, int child_cpu) {
    cpu_set_t saved;
    sched_getaffinity(0, sizeof saved, &saved);
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        child(fds[1], child_cpu);
    }
    close(fds[1]);
    if (parent_cpu >= 0)
        pin(parent_cpu);
    char ready;
    int rc = full_read(fds[0], &ready, 1);
    srand(1);
    for (int i = 0; rc == 0 && i < n; i++) {
        usleep((useconds_t)(rand() % 1000));
        long long stamp, t = now_ns();
        kill(pid, SIGUSR1);
        rc = full_read(fds[0], &stamp, sizeof stamp);
        ns[i] = stamp - t;
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(fds[0]);
    sched_setaffinity(0, sizeof saved, &saved);
    return rc;
}

int main(int argc, char **argv) {
    int n = 1000;
    if (argc == 3 && strcmp(argv[1], "-n") == 0)
        n = atoi(argv[2]);
    if (n < 1) {
        fprintf(stderr, "usage: %s [-n COUNT]\n", argv[0]);
        return 2;
    }
    long long *ns = calloc((size_t)n, sizeof *ns);
    install();
    printf("READY\n");
    fflush(stdout);

    for (int i = 0; i < n; i++) {
        long long t = now_ns();
        raise(SIGUSR1);
        ns[i] = handler_ns - t;
    }
    report("raise-to-handler", ns, n);

    cpu_set_t allowed;
    sched_getaffinity(0, sizeof allowed, &allowed);
    int first = -1, second = -1;
    for (int cpu = 0; cpu < CPU_SETSIZE && second < 0; cpu++)
        if (CPU_ISSET(cpu, &allowed)) {
            if (first < 0)
                first = cpu;
            else
                second = cpu;
        }
    if (kill_loop(ns, n, -1, -1) != 0)
        return 1;
    report("kill-to-handler", ns, n);
    if (kill_loop(ns, n, first, first) != 0)
        return 1;
    report("kill-to-handler-same-cpu", ns, n);
    if (second >= 0) {
        if (kill_loop(ns, n, first, second) != 0)
            return 1;
        report("kill-to-handler-cross-cpu", ns, n);
    }
    free(ns);
    return 0;
}
