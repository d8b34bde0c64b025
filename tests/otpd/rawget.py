# rawget.py PORT PATH HOSTHDR COOKIE - one raw HTTP/1.1 GET to 127.0.0.1:PORT, the path byte for byte
# (curl and browsers would cut a '#' or resolve '..'); prints the status line and the body's first line.
import socket, sys
port, path, host, cookie = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
s = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nCookie: %s\r\nConnection: close\r\n\r\n" % (path, host, cookie)).encode())
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
head, _, body = data.partition(b"\r\n\r\n")
print(head.split(b"\r\n")[0].decode(), "|", body.split(b"\n")[0].decode(errors="replace"))
