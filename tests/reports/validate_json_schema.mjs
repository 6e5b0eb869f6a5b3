// Validates JSON documents against a JSON Schema (draft-07) with Ajv, as the
// test suite does for the OSCAL export. Ajv compiles patterns as Unicode
// regular expressions, so the \p{L} / \p{N} classes of NIST's OSCAL schemas
// work; formats (date-time, uri-reference, …) come from ajv-formats.
//
//   node validate_json_schema.mjs SCHEMA FILE...
//       exit 0 when every FILE is valid, 1 when one is not
//   node validate_json_schema.mjs --expect-invalid-at POINTER ... SCHEMA FILE...
//       exit 0 when every FILE is invalid with an error at each POINTER (a
//       JSON pointer such as /assessment-results/uuid), 1 otherwise: checks
//       that the checker catches what was planted
//
// Exit 2 when Ajv is missing (run: bash .ci/setup), the schema does not
// compile or a file cannot be read. Ajv is looked for under
// $STAGEGATE_TOOLS (default /opt/stagegate/tools), where .ci/setup puts it.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const kMaxErrorsShown = 20;

function fail(message) {
  console.error(`validate_json_schema: ${message}`);
  process.exit(2);
}

const args = process.argv.slice(2);
const expected = [];
while (args[0] === '--expect-invalid-at') {
  if (args.length < 2) fail('--expect-invalid-at needs a JSON pointer');
  expected.push(args[1]);
  args.splice(0, 2);
}
if (args.length < 2) fail('usage: validate_json_schema.mjs [--expect-invalid-at POINTER]... SCHEMA FILE...');
const [schemaPath, ...files] = args;

const tools = process.env.STAGEGATE_TOOLS || '/opt/stagegate/tools';
const require = createRequire(path.join(tools, 'package.json'));
let Ajv, addFormats;
try {
  const ajvModule = require('ajv');
  const formatsModule = require('ajv-formats');
  Ajv = ajvModule.default ?? ajvModule;
  addFormats = formatsModule.default ?? formatsModule;
} catch (e) {
  fail(`Ajv is not installed under ${tools} (${e.code ?? e.message}); run: bash .ci/setup`);
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    fail(`${file}: ${e.message}`);
  }
}

// strict: false, because NIST's generated schemas use keywords and $id forms
// that Ajv's strict mode flags although draft-07 allows them.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: true });
addFormats(ajv);
let validate;
try {
  validate = ajv.compile(readJson(schemaPath));
} catch (e) {
  fail(`${schemaPath}: the schema does not compile: ${e.message}`);
}

let ok = true;
for (const file of files) {
  const valid = validate(readJson(file));
  const errors = validate.errors ?? [];
  if (expected.length === 0) {
    if (valid) {
      console.log(`${file}: valid`);
      continue;
    }
    ok = false;
    console.log(`${file}: ${errors.length} errors`);
    for (const error of errors.slice(0, kMaxErrorsShown)) {
      console.log(`  ${error.instancePath || '/'}: ${error.message} (${error.schemaPath})`);
    }
    continue;
  }
  const found = new Set(errors.map((error) => error.instancePath));
  console.log(`${file}: ${valid ? 'valid' : `${errors.length} errors, at ${[...found].join(', ')}`}`);
  for (const pointer of expected) {
    if (!found.has(pointer)) {
      ok = false;
      console.log(`  expected an error at ${pointer}, found none`);
    }
  }
}
process.exit(ok ? 0 : 1);
