// Evaluates JSONata expressions with the `jsonata` npm package, the implementation AWS Step
// Functions runs, for the differential tests of the engine's evaluator.
//
// Protocol: one JSON request per stdin line, one JSON response per stdout line, in order.
//   request  {"id": any, "expr": "<JSONata>", "bindings": {"states": {...}, "<variable>": value, ...}}
//   response {"id": any, "kind": "value", "value": <JSON>}
//            {"id": any, "kind": "undefined"}            the expression produced nothing
//            {"id": any, "kind": "unsupported"}          a function or regex, which JSON cannot hold
//            {"id": any, "kind": "nonfinite"}            Infinity or NaN somewhere in the result
//            {"id": any, "kind": "error", "code": "T2001", "message": "..."}
//   request  {"id": any, "op": "version"}  ->  {"id": any, "kind": "value", "value": "<jsonata version>"}
//   request  {"id": any, "op": "time", "expr": ..., "bindings": ..., "repeat": n}
//            ->  {"id": any, "kind": "value", "value": <microseconds per evaluation>}
//
// As in Step Functions, the expression has no input document (`$` is undefined), `$states` and
// the workflow variables are bindings, and the Step Functions functions ($partition, $range,
// $hash, $random, $uuid, $parse) are registered. Those six are modelled on the AWS documentation;
// they are not part of the npm package, so their error codes and texts are ours, not AWS's.
"use strict";

const crypto = require("crypto");
const readline = require("readline");
const jsonata = require("jsonata");
const jsonataVersion = require("jsonata/package.json").version;

function fail(message) {
  // Registered functions report errors the way jsonata's own functions do: an object with a code.
  throw { code: "D3137", message: message };
}

function isSequenceOrArray(value) {
  return Array.isArray(value);
}

const extras = {
  partition(array, size) {
    const items = isSequenceOrArray(array) ? Array.from(array) : [array];
    if (typeof size !== "number" || !Number.isInteger(size) || size <= 0) {
      fail("$partition: the chunk size must be a positive integer");
    }
    const out = [];
    for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
    return out;
  },
  range(start, end, step) {
    for (const v of [start, end, step]) {
      if (typeof v !== "number" || !Number.isInteger(v)) fail("$range: all arguments must be integers");
    }
    if (step === 0) fail("$range: the step must not be zero");
    const out = [];
    for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
      out.push(v);
      if (out.length > 1000) fail("$range: the result exceeds 1000 items");
    }
    // AWS returns a one-item range as the item (a JSONata singleton sequence).
    return out.length === 1 ? out[0] : out;
  },
  hash(value, algorithm) {
    const names = { MD5: "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" };
    if (!(algorithm in names)) fail(`$hash: unsupported algorithm ${algorithm}`);
    const data = typeof value === "string" ? value : JSON.stringify(value);
    return crypto.createHash(names[algorithm]).update(data).digest("hex");
  },
  random(seed) {
    // Seeded values are compared by type only: AWS does not document its generator.
    return Math.random();
  },
  uuid() {
    return crypto.randomUUID();
  },
  parse(text) {
    if (typeof text !== "string") fail("$parse: the argument must be a string");
    try {
      return JSON.parse(text);
    } catch (e) {
      fail(`$parse: the argument is not valid JSON: ${text}`);
    }
  },
};

const cache = new Map();

function compiled(text) {
  let expr = cache.get(text);
  if (expr === undefined) {
    expr = jsonata(text);
    for (const [name, fn] of Object.entries(extras)) expr.registerFunction(name, fn);
    if (cache.size > 4096) cache.clear();
    cache.set(text, expr);
  }
  return expr;
}

function hasNonFinite(value) {
  if (typeof value === "number") return !Number.isFinite(value);
  if (value !== null && typeof value === "object") return Object.values(value).some(hasNonFinite);
  return false;
}

function isJson(value) {
  if (value === null) return true;
  switch (typeof value) {
    case "boolean":
    case "string":
      return true;
    case "number":
      return true;
    case "object":
      if (value instanceof RegExp) return false;
      if (Array.isArray(value)) return value.every((v) => v === undefined || isJson(v));
      if (value._jsonata_lambda || value._jsonata_function) return false;
      return Object.values(value).every((v) => v === undefined || isJson(v));
    default:
      return false;
  }
}

async function answer(request) {
  const id = request.id;
  if (request.op === "version") return { id, kind: "value", value: jsonataVersion };
  if (request.op === "time") {
    const expr = compiled(request.expr);
    const started = process.hrtime.bigint();
    for (let i = 0; i < request.repeat; i++) {
      try {
        await expr.evaluate(undefined, request.bindings || {});
      } catch (err) {
        // an error is a result too: timed all the same
      }
    }
    const micros = Number(process.hrtime.bigint() - started) / 1000 / request.repeat;
    return { id, kind: "value", value: micros };
  }
  try {
    const result = await compiled(request.expr).evaluate(undefined, request.bindings || {});
    if (result === undefined) return { id, kind: "undefined" };
    if (!isJson(result)) return { id, kind: "unsupported" };
    if (hasNonFinite(result)) return { id, kind: "nonfinite" };
    return { id, kind: "value", value: JSON.parse(JSON.stringify(result)) };
  } catch (err) {
    const code = err && err.code ? String(err.code) : (err && err.name) || "Error";
    const message = err && err.message !== undefined ? String(err.message) : String(err);
    return { id, kind: "error", code, message };
  }
}

async function main() {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let response;
    try {
      response = await answer(JSON.parse(line));
    } catch (err) {
      response = { id: null, kind: "error", code: "PROTOCOL", message: String(err) };
    }
    process.stdout.write(JSON.stringify(response) + "\n");
  }
}

main();
