import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

// The ceiling: reads each request whole and answers 202, doing nothing else.
const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(202, { "content-type": "application/json" });
    res.end('{"accepted":1}');
  });
});
server.listen(0, "127.0.0.1", () => {
  console.log(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
