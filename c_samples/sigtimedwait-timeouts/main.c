// sigtimedwait-timeouts: sigtimedwait returns EAGAIN whenever its timeout expires, whatever its length; sigwaitinfo has no timeout and sleeps until the signal comes.
// Send: SIGUSR1
// Output contains: sigtimedwait, timeout 0 ns: -1 EAGAIN
// Output contains: sigtimedwait, timeout 10000000 ns: -1 EAGAIN
// Output contains: sigwaitinfo: SIGUSR1
// Exit: 0
//
// The article's cgo patch loops while sigwaitinfo "returns -1 with EAGAIN".
// sigwaitinfo never does: it has no timeout (it is rt_sigtimedwait with a
// NULL one) and returns only with a signal (or -1/EINTR when a handler ran).
// sigtimedwait returns -1/EAGAIN when its timeout expires: a zero timeout (a
// poll) and every longer one alike. With SIGUSR1 blocked and nothing pending,
// each timeout below is tried once and timed with CLOCK_MONOTONIC; then the
// program prints READY and waits in sigwaitinfo until a SIGUSR1 comes.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static long long now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void) {
	static const long timeouts[] = {0, 10000, 1000000, 10000000, 100000000};  // ns: 0, 10 us, 1 ms, 10 ms, 100 ms
	sigset_t set;
	siginfo_t info;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);  // sigtimedwait and sigwaitinfo take only a blocked signal
	for (size_t i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++) {
		struct timespec ts = {0, timeouts[i]};
		long long t0 = now_ns();
		int rc = sigtimedwait(&set, &info, &ts);
		int err = errno;
		long long took = now_ns() - t0;
		printf("sigtimedwait, timeout %ld ns: %d %s after %lld ns\n", timeouts[i], rc,
		       rc < 0 ? strerrorname_np(err) : "(a signal)", took);
	}
	printf("READY\n");
	fflush(stdout);
	long long t0 = now_ns();
	int sig = sigwaitinfo(&set, &info);
	int err = errno;
	if (sig > 0)
		printf("sigwaitinfo: SIG%s after %lld ns\n", sigabbrev_np(sig), now_ns() - t0);
	else
		printf("sigwaitinfo: -1 %s after %lld ns\n", strerrorname_np(err), now_ns() - t0);
	return 0;
}
