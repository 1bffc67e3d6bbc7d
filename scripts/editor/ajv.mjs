// Compiles the JSON Schema named by the first argument with ajv in strict mode (every strict
// check on) and prints each finding on its own line; exits 1 when there is any, or when the
// schema does not compile. Run by schema/jsonschema/editor_test.go.
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import Ajv from "ajv";
import addFormats from "ajv-formats";

const schema = JSON.parse(readFileSync(process.argv[2], "utf8"));
const findings = [];
const logger = {
  log() {},
  warn(...args) { findings.push(args.join(" ")); },
  error(...args) { findings.push(args.join(" ")); },
};
// "log" reports every strict-mode violation instead of stopping at the first.
const options = { strict: "log", allErrors: true, logger };
const is2020 = String(schema.$schema ?? "").includes("2020-12");
const ajv = is2020 ? new Ajv2020.default(options) : new Ajv.default(options);
addFormats.default(ajv);
// The annotations editors read beside JSON Schema's own (VS Code's JSON and YAML language
// services); any other keyword ajv does not know is still a finding.
ajv.addVocabulary(["markdownDescription", "enumDescriptions", "markdownEnumDescriptions"]);
try {
  ajv.compile(schema);
} catch (e) {
  findings.push(`does not compile: ${e.message}`);
}
for (const f of findings) console.log(f);
console.error(`ajv ${JSON.parse(readFileSync(new URL("./node_modules/ajv/package.json", import.meta.url), "utf8")).version} (${is2020 ? "draft 2020-12" : "draft-07"}, strict): ${findings.length} findings`);
process.exit(findings.length ? 1 : 0);
