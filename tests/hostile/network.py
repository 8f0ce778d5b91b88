# network: tries the host's loopback, the outside world, DNS and an abstract socket of the host.
# Base: solution
# Expect: full
# Note: network: tcp host loopback:
# Not in notes: connected
import socket

results = []


def attempt(label, fn):
    try:
        fn()
        results.append(f"{label}: connected")
    except Exception as e:
        results.append(f"{label}: {type(e).__name__}")


def tcp(host, port):
    socket.create_connection((host, port), timeout=3).close()


def abstract():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(3)
    s.connect("\0@@ABSTRACT@@")
    s.close()


def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("1.1.1.1", 53))
    s.send(b"x")


attempt("tcp host loopback", lambda: tcp("127.0.0.1", @@PORT@@))
attempt("tcp outside", lambda: tcp("1.1.1.1", 53))
attempt("udp outside", udp)
attempt("dns", lambda: socket.getaddrinfo("pypi.org", 443))
attempt("abstract socket", abstract)
raise RuntimeError("network: " + "; ".join(results))
