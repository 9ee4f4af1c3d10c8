"""A reader in a slower language: registers, then reads every line it is sent and parses it as
JSON, printing how many chat messages it has had each time the count reaches a hundred more."""
import json
import socket
import sys

port, nickname = int(sys.argv[1]), sys.argv[2]
conn = socket.create_connection(("127.0.0.1", port))
conn.sendall((json.dumps({"type": "nickname", "nickname": nickname, "clientID": "py"}) + "\n").encode())
reader = conn.makefile("rb")
count = 0
for line in reader:
    if json.loads(line).get("type") == "broadcast":
        count += 1
        if count % 100 == 0:
            print(count, flush=True)
print("closed", count, flush=True)
