/**
 * Checks the trainer makes on a request before it acts on it: the params against the schema declared with the
 * request (protocol/trainer.ts), answered with JSON-RPC InvalidParams (-32602) and a message that names the request,
 * the field and what was expected; and the model files and texts it is asked to read (a regular file, not a device or
 * a FIFO; within the model-size limit of spec/limits.ts). Values are quoted cut, never whole.
 */
import { statSync } from 'node:fs';
import { ResponseError } from 'vscode-jsonrpc';
import { checkParams, type RequiredSchema, type SchemaProblem } from '../protocol/schema';
import { howToRaise, overBytes, quoteValue, specLimits } from '../spec/limits';
import { UserError } from './errors';
import { JsonRpcCodes } from './response-errors';

/** `params` as `schema` types them, or a -32602 error naming the first field that is wrong. */
export function validParams<T>(method: string, schema: RequiredSchema<T>, params: unknown): T {
  const problem = checkParams(schema, params);
  if (problem) throw new ResponseError(JsonRpcCodes.InvalidParams, problemMessage(method, problem));
  return (params ?? {}) as T;
}

/** "run/start: 'overrides' must be an object, got null". */
export function problemMessage(method: string, p: SchemaProblem): string {
  const where = p.path ? `'${quoteValue(p.path, 80)}'` : 'params';
  if (p.known) return `${method}: unknown field ${where}; the fields are ${p.known.join(', ')}`;
  if (p.got === undefined) return `${method}: ${where} is missing; it must be ${p.expected}`;
  return `${method}: ${where} must be ${p.expected}, got ${describeValue(p.got)}`;
}

/** A value as a message shows it: its kind, and for a scalar the value itself, cut. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return v.length > 40 ? `a string of ${v.length.toLocaleString('en-US')} characters ("${quoteValue(v, 40)}")` : `"${quoteValue(v)}"`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `a list (${v.length.toLocaleString('en-US')} items)`;
  return typeof v === 'object' ? 'an object' : typeof v;
}

/** A model text sent by a client fits the model-size limit. */
export function checkModelText(method: string, text: string): void {
  const limits = specLimits();
  if (overBytes(text, limits.maxModelBytes)) {
    const bytes = Buffer.byteLength(text, 'utf8');
    throw new ResponseError(JsonRpcCodes.InvalidParams, `${method}: 'modelText' is ${bytes.toLocaleString('en-US')} bytes: too large for a model file (${howToRaise('maxModelBytes', limits)} on the trainer's machine)`);
  }
}

/**
 * A model file the trainer is asked to read: it exists and is a regular file within the model-size limit. A remote
 * trainer (`remote`) reads only `*.dynaxx.yaml`/`*.dynaxx.yml` files from its disk, so that a client cannot have
 * it parse, and quote back, any file it can read.
 */
export function checkModelFile(method: string, field: string, file: string, remote: boolean): void {
  const shown = `'${quoteValue(file, 200)}'`;
  if (remote && !/\.dynaxx\.ya?ml$/.test(file)) {
    throw new UserError(`${method}: ${field} ${shown} is not a model file: a remote trainer reads only *.dynaxx.yaml files (or send its text as modelText)`);
  }
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`${method}: ${field} ${shown} cannot be read: ${code === 'ENOENT' ? 'no such file on the trainer\'s machine' : code ?? 'unreadable'}`);
  }
  if (!st.isFile()) throw new UserError(`${method}: ${field} ${shown} is not a regular file (${st.isDirectory() ? 'a folder' : 'a device, FIFO or socket'})`);
  const limits = specLimits();
  if (st.size > limits.maxModelBytes) {
    throw new UserError(`${method}: ${field} ${shown} is ${st.size.toLocaleString('en-US')} bytes: too large for a model file (${howToRaise('maxModelBytes', limits)})`);
  }
}
