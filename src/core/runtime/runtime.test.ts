import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runtimeStartError } from './runtime.ts';

test("crun's start errors become Docker's messages (the CLI's 127/126)", () => {
  assert.match(
    runtimeStartError('executable file `nope` not found in $PATH: No such file or directory').message,
    /exec: "nope": executable file not found in \$PATH/,
  );
  assert.match(runtimeStartError('open executable: Permission denied').message, /permission denied/);
  assert.match(runtimeStartError('open executable: Operation not permitted').message, /permission denied/);
  assert.equal(runtimeStartError('something else').code, 'internal');
});
