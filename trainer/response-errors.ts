/**
 * How the trainer answers a request that failed: every error becomes a JSON-RPC error with a bounded message.
 * Errors the user can fix keep their message and get the protocol's code (an invalid model -32001, a user error
 * -32004, ...); a bug answers -32603 with one short line, and its stack goes to the trainer's log only. No message is
 * longer than 20 lines or 4 KB ("… and N more lines"), and every line is cut and escaped (spec/limits.ts quoteValue),
 * so an error never carries a whole file or a whole value back to the client.
 */
import { ResponseError } from 'vscode-jsonrpc';
import { TrainerErrorCodes } from '../protocol/trainer';
import { quoteValue } from '../spec/limits';
import { SpecError } from '../spec/types';
import { BackendError } from './backend/backends';
import { DataError } from './data/errors';
import { UserError } from './errors';

export const MAX_ERROR_LINES = 20;
export const MAX_ERROR_CHARS = 4096;
const MAX_LINE_CHARS = 500;

/** JSON-RPC's own codes the trainer uses. */
export const JsonRpcCodes = { InvalidParams: -32602, MethodNotFound: -32601, InternalError: -32603 } as const;

/** At most MAX_ERROR_LINES lines of at most 500 characters each and MAX_ERROR_CHARS in all, unsafe characters escaped. */
export function boundMessage(message: string): string {
  const lines = message.split('\n');
  const kept: string[] = [];
  let chars = 0;
  for (const line of lines) {
    const cut = quoteValue(line, MAX_LINE_CHARS);
    if (kept.length === MAX_ERROR_LINES || chars + cut.length > MAX_ERROR_CHARS) break;
    kept.push(cut);
    chars += cut.length + 1;
  }
  const more = lines.length - kept.length;
  return more > 0 ? `${kept.join('\n')}\n… and ${more} more line${more === 1 ? '' : 's'}` : kept.join('\n');
}

/**
 * The answer for an error thrown by the handler of `method`. `log` receives the stack of anything that is not a
 * known, user-fixable error.
 */
export function toResponseError(e: unknown, method: string, log: (line: string) => void): ResponseError<void> {
  if (e instanceof ResponseError) return new ResponseError(e.code, boundMessage(e.message), e.data);
  if (e instanceof SpecError) return new ResponseError(TrainerErrorCodes.InvalidModel, boundMessage(e.message));
  if (e instanceof UserError || e instanceof DataError) return new ResponseError(TrainerErrorCodes.InvalidRequest, boundMessage(e.message));
  if (e instanceof BackendError) return new ResponseError(TrainerErrorCodes.BackendUnavailable, boundMessage(e.message));
  const err = e instanceof Error ? e : new Error(String(e));
  log(`${method} failed: ${err.stack ?? err.message}`);
  const first = (err.message || err.name).split('\n')[0]!;
  return new ResponseError(JsonRpcCodes.InternalError, `${method} failed: ${quoteValue(first, 200)} (an internal error: the trainer's log has the details)`);
}
