// latency-c-floor: the floor for signal latency: a C sigaction handler stamps CLOCK_MONOTONIC the moment SIGUSR1 arrives.
// Send: SIGUSR1; SIGTERM after "STAMP received"
// Output contains: STAMP received
// Exit: killed by SIGTERM
// Wait: 3
//
// No runtime, no scheduler, no garbage collector: the kernel delivers SIGUSR1
// and runs our handler on the next return to user space. The handler only
// calls clock_gettime (async-signal-safe) and stores the result; the main loop
// sleeps in sigsuspend and prints one "STAMP received <ns>" line per signal.
// SIGUSR1 stays blocked outside sigsuspend, so no signal slips in between the
// check and the sleep. SIGTERM keeps its default action and ends the program.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 64

static volatile sig_atomic_t received;  // handler writes, main reads
static volatile long long stamps[SLOTS];  // volatile: written by the handler

static void on_usr1(int sig) {
    struct timespec ts;
    (void)sig;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    stamps[received % SLOTS] = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    received = received + 1;
}

static void say(const char *text) {
    size_t len = strlen(text);
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, text, len);
        if (n <= 0)
            return;
        text += n;
        len -= (size_t)n;
    }
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);

    sigset_t usr1, waiting;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, &waiting);  // `waiting`: the mask to sleep with
    sigdelset(&waiting, SIGUSR1);

    say("READY\n");
    int printed = 0;
    for (;;) {
        while (printed == received)
            sigsuspend(&waiting);  // SIGUSR1 runs the handler only in here
        char line[64];
        snprintf(line, sizeof line, "STAMP received %lld\n", stamps[printed % SLOTS]);
        say(line);
        printed++;
    }
}
