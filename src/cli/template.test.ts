import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTemplate, printValue, STRICT, TemplateError } from './template.ts';

const run = (src: string, data: unknown) => parseTemplate(src).execute(data);

test('fields, nested fields and method fields with arguments', () => {
  const ctx = { Names: 'web', State: { Status: 'running' }, Label: (k: string) => (k === 'a' ? '1' : '') };
  assert.equal(run('{{.Names}}\t{{.State.Status}}', ctx), 'web\trunning');
  assert.equal(run('{{.Label "a"}}|{{.Label "b"}}', ctx), '1|');
  assert.equal(run('{{ .Names }}', ctx), 'web');
});

test('functions and pipelines as Docker defines them', () => {
  const d = { Names: 'web', Env: ['A=1', 'B=2'], Labels: { b: '2', a: '1' }, N: 3 };
  assert.equal(run('{{json .Env}}', d), '["A=1","B=2"]');
  assert.equal(run('{{join .Env ","}}', d), 'A=1,B=2');
  assert.equal(run('{{.Names | upper}}', d), 'WEB');
  assert.equal(run('{{upper .Names | lower}}', d), 'web');
  assert.equal(run('{{index .Labels "a"}}', d), '1');
  assert.equal(run('{{len .Env}}', d), '2');
  assert.equal(run('{{printf "%s-%d" .Names .N}}', d), 'web-3');
  assert.equal(run('{{title "hello world"}}', d), 'Hello World');
  assert.equal(run('{{truncate .Names 2}}', d), 'we');
  assert.equal(run('{{split "a:b" ":"}}', d), '[a b]');
  assert.equal(run('{{pad .Names 1 2}}|', d), ' web  |');
});

test('if, else, range with variables, with', () => {
  const d = { Running: true, Env: ['A=1', 'B=2'], Labels: { b: '2', a: '1' }, Empty: [], Host: { Name: 'x' } };
  assert.equal(run('{{if .Running}}up{{else}}down{{end}}', d), 'up');
  assert.equal(run('{{if .Empty}}some{{else if .Running}}run{{else}}none{{end}}', d), 'run');
  assert.equal(run('{{range .Env}}[{{.}}]{{end}}', d), '[A=1][B=2]');
  assert.equal(run('{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}', d), 'a=1;b=2;');
  assert.equal(run('{{range .Empty}}x{{else}}none{{end}}', d), 'none');
  assert.equal(run('{{with .Host}}{{.Name}}{{end}}', d), 'x');
  assert.equal(run('{{if eq .Host.Name "x" "y"}}match{{end}}', d), 'match');
  assert.equal(run('{{if and .Running (not .Empty)}}ok{{end}}', d), 'ok');
});

test('trim markers remove the white space beside an action', () => {
  assert.equal(run('a  {{- "b" -}}  c', {}), 'abc');
});

test('values print as Go %v would', () => {
  assert.equal(printValue(['a', 'b']), '[a b]');
  assert.equal(printValue({ b: '2', a: '1' }), 'map[a:1 b:2]');
  assert.equal(printValue({ Status: 'running', Pid: 4 }), '{running 4}');
  assert.equal(printValue(null), '<nil>');
  assert.equal(run('{{.Missing}}', {}), '<no value>');
});

test('strict contexts reject unknown fields; bad templates fail to parse', () => {
  const strict = { ID: 'x', [STRICT]: true };
  assert.throws(() => run('{{.Nope}}', strict), /can't evaluate field Nope/);
  assert.throws(() => parseTemplate('{{.ID'), TemplateError);
  assert.throws(() => parseTemplate('{{nosuch .ID}}'), /function "nosuch" not defined/);
  assert.throws(() => parseTemplate('{{if .X}}'), /unexpected EOF/);
  assert.throws(() => parseTemplate('{{end}}'), /unexpected \{\{end\}\}/);
});
