// read-eintr: a blocking read(2) on a pipe meets SIGUSR1: -1/EINTR without SA_RESTART, still blocked with it.
// Args: norestart
// Send: SIGUSR1; SIGUSR1 after "HANDLER 1"; SIGUSR1 after "HANDLER 2"
// Output contains: read returned -1 (EINTR) after handler 1
// Output contains: read returned 1 byte after handler 3
// Exit: 0
//
// The program reads one byte from a pipe nobody writes to. Its SIGUSR1 handler
// writes "HANDLER <n>" (write(2) is async-signal-safe), and the third one also
// writes a byte into the pipe, which ends the experiment.
//
// norestart: sigaction without SA_RESTART. Each signal makes read return -1
// with errno EINTR; the loop around it has to call read again.
// restart: sigaction with SA_RESTART, the flag the Go runtime always sets. The
// kernel restarts the interrupted read itself: the program never sees the first
// two signals, and read returns once, with the byte.
// Each return prints "read returned ... after handler <n> at <CLOCK_MONOTONIC ns>".
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int fds[2];
static volatile sig_atomic_t hits;

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void on_usr1(int sig) {
    (void)sig;
    int saved = errno;
    hits = hits + 1;
    char msg[] = "HANDLER 0\n";
    msg[8] = (char)('0' + (hits % 10));
    if (write(STDOUT_FILENO, msg, sizeof msg - 1) < 0) {
    }
    if (hits == 3 && write(fds[1], "x", 1) < 0) {
    }
    errno = saved;
}

int main(int argc, char **argv) {
    int restart = argc > 1 && strcmp(argv[1], "restart") == 0;
    if (argc != 2 || (!restart && strcmp(argv[1], "norestart") != 0)) {
        fprintf(stderr, "usage: %s restart|norestart\n", argv[0]);
        return 2;
    }
    if (pipe(fds) != 0) {
        perror("pipe");
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    printf("pid %d reads fd %d, SIGUSR1 handler %s SA_RESTART\nREADY\n", getpid(), fds[0],
           restart ? "with" : "without");
    fflush(stdout);

    for (;;) {
        char c;
        ssize_t r = read(fds[0], &c, 1);
        int err = errno;
        long long at = now_ns();
        if (r < 0) {
            printf("read returned -1 (%s) after handler %d at %lld\n", err == EINTR ? "EINTR" : strerror(err),
                   (int)hits, at);
            fflush(stdout);
            if (err == EINTR)
                continue;
            return 1;
        }
        printf("read returned %zd byte after handler %d at %lld\n", r, (int)hits, at);
        return 0;
    }
}
