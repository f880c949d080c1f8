// Preloaded with `node --import` before fauxqs: fauxqs 2.4.1 hard-codes listen({host: "0.0.0.0"}),
// and test servers must only be reachable from this machine. Every TCP listen in the process is
// forced onto 127.0.0.1.
import net from "node:net";

const originalListen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  if (args.length > 0 && typeof args[0] === "object" && args[0] !== null && !Array.isArray(args[0])) {
    args[0] = { ...args[0], host: "127.0.0.1" };
  } else if (typeof args[0] === "number" || typeof args[0] === "string") {
    if (typeof args[0] === "string" && Number.isNaN(Number(args[0]))) return originalListen.apply(this, args);  // unix socket
    const port = args[0];
    const rest = args.slice(1).filter((argument) => typeof argument === "function");
    return originalListen.call(this, port, "127.0.0.1", ...rest);
  }
  return originalListen.apply(this, args);
};
