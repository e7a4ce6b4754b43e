// Runs the Khronos glTF Validator (npm `gltf-validator`) over the files given; exits 1 on any error.
// Usage: node gltf-validate.mjs <node_modules dir> <file.glb>...
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(process.argv[2] + '/');
const validator = require('gltf-validator');
let errors = 0;
for (const file of process.argv.slice(3)) {
  const report = await validator.validateBytes(new Uint8Array(readFileSync(file)), { uri: file });
  const { numErrors, numWarnings, numInfos } = report.issues;
  console.log(`${file}: ${numErrors} errors, ${numWarnings} warnings, ${numInfos} infos`);
  for (const message of report.issues.messages) {
    if (message.severity <= 1) console.log(`  ${['error', 'warning'][message.severity]} ${message.code} ${message.pointer ?? ''}: ${message.message}`);
  }
  errors += numErrors;
}
process.exit(errors > 0 ? 1 : 0);
