// The C half of sigwait-owner: a thread that owns SIGUSR1 by waiting for it.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int blocked_early;

// glibc passes main's arguments to constructors: `constructor` blocks SIGUSR1
// here, on the only thread there is, before the Go runtime starts any thread.
__attribute__((constructor)) static void block_before_the_runtime(int argc, char **argv, char **envp) {
	(void)envp;
	if (argc > 1 && strcmp(argv[1], "constructor") == 0) {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
		blocked_early = 1;
	}
}

int owner_blocked_early(void) { return blocked_early; }

// Blocks SIGUSR1 on the calling thread only (what a library's init function does).
int owner_block_here(void) {
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	return (int)syscall(SYS_gettid);
}

// sigtimedwait with a zero timeout: the non-blocking poll. Returns errno (EAGAIN when nothing is pending).
int owner_poll_once(void) {
	sigset_t set;
	struct timespec zero = {0, 0};
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	return sigtimedwait(&set, NULL, &zero) < 0 ? errno : 0;
}

static void got(const char *how) {
	printf("C owner got SIGUSR1 (%s) on tid %d\n", how, (int)syscall(SYS_gettid));
	fflush(stdout);
}

// The article's patch: poll with a zero timeout, sleep 10 us, again.
static void poll_forever(const sigset_t *set) {
	struct timespec zero = {0, 0}, pause = {0, 10000};
	for (;;) {
		if (sigtimedwait(set, NULL, &zero) == SIGUSR1)
			got("poll");
		else
			nanosleep(&pause, NULL);
	}
}

static void *owner(void *arg) {
	sigset_t set;
	siginfo_t info;
	const char *how = getenv("OWNER_WAIT");
	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);  // sigwaitinfo needs it blocked here
	int polls = how && strcmp(how, "poll") == 0;
	printf("C owner thread tid %d %s\n", (int)syscall(SYS_gettid),
	       polls ? "polls with sigtimedwait and nanosleep" : "waits in sigwaitinfo");
	fflush(stdout);
	if (polls)
		poll_forever(&set);
	for (;;) {
		if (sigwaitinfo(&set, &info) == SIGUSR1)
			got("sigwaitinfo");
	}
	return NULL;
}

// The owner loop on the calling thread: a goroutine's cgo call that never returns.
void owner_run_here(void) { owner(NULL); }

int owner_start(void) {
	pthread_t t;
	return pthread_create(&t, NULL, owner, NULL);
}
