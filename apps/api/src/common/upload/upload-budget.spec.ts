import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { ApiConfigService } from '../config/api-config.service';
import { UploadBudget, UploadBudgetFullError } from './upload-budget';

const budgetOf = (maxBytesInFlight: number) =>
  new UploadBudget({ upload: { maxBytesInFlight } } as ApiConfigService);

describe('UploadBudget', () => {
  it('admits uploads while they fit and refuses the one that does not', () => {
    const budget = budgetOf(100);
    budget.reserve(60);
    budget.reserve(40);
    expect(budget.reservedBytes).toBe(100);
    expect(() => budget.reserve(1)).toThrow(UploadBudgetFullError);
    expect(budget.reservedBytes).toBe(100);
  });

  it('gives bytes back exactly once, however often the release is called', () => {
    const budget = budgetOf(100);
    const first = budget.reserve(70);
    const second = budget.reserve(30);
    first();
    first();
    expect(budget.reservedBytes).toBe(30);
    expect(() => budget.reserve(71)).toThrow(UploadBudgetFullError);
    budget.reserve(70);
    second();
    second();
    expect(budget.reservedBytes).toBe(70);
  });

  it('holds the bytes of a response until it finishes or closes, whichever comes first, and gives them back once', () => {
    const budget = budgetOf(100);
    const response = new ServerResponse(new IncomingMessage(new Socket()));
    budget.reserveUntilDone(response, 60);
    expect(budget.reservedBytes).toBe(60);
    response.emit('finish');
    response.emit('close');
    expect(budget.reservedBytes).toBe(0);

    const cutOff = new ServerResponse(new IncomingMessage(new Socket()));
    budget.reserveUntilDone(cutOff, 100);
    cutOff.emit('close');
    expect(budget.reservedBytes).toBe(0);
  });

  it('gives the bytes back at once for a response the client closed before the upload was reached', () => {
    const budget = budgetOf(100);
    const closed = new ServerResponse(new IncomingMessage(new Socket()));
    closed.destroy(); // what the server does to the response of a request whose client hung up
    budget.reserveUntilDone(closed, 100);
    expect(budget.reservedBytes).toBe(0);
  });

  it('says what is held and what was asked for', () => {
    const budget = budgetOf(10 * 1024 * 1024);
    budget.reserve(8 * 1024 * 1024);
    expect(() => budget.reserve(3 * 1024 * 1024)).toThrow(
      'uploads in flight hold 8 MB of 10 MB, this one may need 3 MB',
    );
  });
});
