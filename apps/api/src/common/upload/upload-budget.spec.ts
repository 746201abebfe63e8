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

  it('says what is held and what was asked for', () => {
    const budget = budgetOf(10 * 1024 * 1024);
    budget.reserve(8 * 1024 * 1024);
    expect(() => budget.reserve(3 * 1024 * 1024)).toThrow(
      'uploads in flight hold 8 MB of 10 MB, this one may need 3 MB',
    );
  });
});
