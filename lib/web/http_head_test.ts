import assert from "node:assert/strict";
import {
  blankLines,
  headEnd,
  headerOf,
  MAX_HEAD_BYTES,
  parseHead,
  type RequestHead,
  requestPath,
  requestUrl,
} from "./http_head.ts";

const encoder = new TextEncoder();

/** The head read from `text`. */
function read(text: string) {
  return parseHead(encoder.encode(text));
}

/** The head read from `text`, which must be taken. */
function head(text: string): RequestHead {
  const reading = read(text);
  if (!reading.ok) throw new Error(`Refused: ${reading.status} ${reading.why}`);
  return reading.head;
}

Deno.test("headEnd() finds the blank line after the head, with CRLF or bare LF, however far it has come", () => {
  const text = "GET / HTTP/1.1\r\nHost: a\r\n\r\nnext";
  const bytes = encoder.encode(text);
  assert.equal(headEnd(bytes, bytes.length), text.indexOf("next"));
  for (let length = 0; length < text.indexOf("next"); length++) {
    assert.equal(headEnd(bytes, length), -1, `with ${length} bytes`);
  }
  const bare = encoder.encode("GET / HTTP/1.1\nHost: a\n\nnext");
  assert.equal(headEnd(bare, bare.length), 24);
  assert.equal(headEnd(bytes, bytes.length, 20), text.indexOf("next"), "searched from further on");
  assert.equal(blankLines(encoder.encode("\r\n\r\nGET"), 7), 4);
  assert.equal(requestPath(bytes, 10), undefined, "the request line is not all there yet");
  assert.equal(requestPath(encoder.encode("GET /ws?x=1 HTTP/1.1\r\n"), 22), "/ws");
});

Deno.test("parseHead() reads the request line and headers, names in lower case, values trimmed", () => {
  const got = head(
    "GET /a?b=1 HTTP/1.1\r\nHost: chat.test:8080\r\nX-Two: 1\r\nx-two:  2 \t\r\n\r\n",
  );
  assert.deepEqual(got, {
    method: "GET",
    target: "/a?b=1",
    minor: 1,
    headers: [["host", "chat.test:8080"], ["x-two", "1"], ["x-two", "2"]],
    close: false,
  });
  assert.equal(headerOf(got, "x-two"), "1, 2");
  assert.equal(head("GET / HTTP/1.1\nHost: a\nConnection: Keep-Alive, close\n\n").close, true);
  assert.equal(head("GET / HTTP/1.0\r\n\r\n").close, true, "HTTP/1.0 closes, Host or not");
  assert.equal(head("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n").method, "GET");
});

Deno.test("parseHead() refuses a malformed head, a body and another HTTP, each with its status", () => {
  const cases: [string, number, string][] = [
    ["GET /\r\n\r\n", 400, "Malformed request line"],
    ["GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "Malformed request line"],
    ["G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "Malformed request line"],
    ["GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n", 400, "Malformed request line"],
    ["PRI * HTTP/2.0\r\n\r\n", 505, "Only HTTP/1.1 is served here"],
    ["GET / HTTP/1.1\r\n\r\n", 400, "A request needs one Host header"],
    ["GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "A request needs one Host header"],
    ["GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, "Malformed header line"],
    ["GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400, "Malformed header line"],
    ["GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400, "A bare CR in the head"],
    ["GET / HTTP/1.1\r\nHost: a\r\nX: \x01\r\n\r\n", 400, "Malformed value of header X"],
    [
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n",
      413,
      "No request here takes a body",
    ],
    [
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
      413,
      "No request here takes a body",
    ],
    ["POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400, "Malformed Content-Length"],
    [
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 3\r\n\r\n",
      400,
      "Malformed Content-Length",
    ],
  ];
  for (const [text, status, why] of cases) {
    assert.deepEqual(read(text), { ok: false, status, why }, JSON.stringify(text));
  }
  assert.equal(MAX_HEAD_BYTES, 16 * 1024);
});

Deno.test("requestUrl() makes the URL from the Host and the target, and nothing that moves it elsewhere", () => {
  const url = (text: string, scheme = "http") =>
    requestUrl(head(text), scheme, "10.0.0.1:80")?.href;
  assert.equal(
    url("GET /a?b HTTP/1.1\r\nHost: chat.test:8080\r\n\r\n"),
    "http://chat.test:8080/a?b",
  );
  assert.equal(url("GET / HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n", "https"), "https://[::1]:8443/");
  assert.equal(
    url("GET //evil.test/x HTTP/1.1\r\nHost: chat.test\r\n\r\n"),
    "http://chat.test//evil.test/x",
  );
  assert.equal(
    url("GET http://other.test/p?q HTTP/1.1\r\nHost: chat.test\r\n\r\n", "https"),
    "https://other.test/p?q",
  );
  assert.equal(url("GET / HTTP/1.0\r\n\r\n"), "http://10.0.0.1/");
  for (
    const text of [
      "GET / HTTP/1.1\r\nHost: user@evil.test\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: evil.test/x\r\n\r\n",
      "GET * HTTP/1.1\r\nHost: chat.test\r\n\r\n",
      "GET http://u:p@other.test/ HTTP/1.1\r\nHost: chat.test\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: \r\n\r\n",
    ]
  ) {
    assert.equal(url(text), undefined, JSON.stringify(text));
  }
});
