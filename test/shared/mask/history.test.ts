import { describe, expect, it } from 'vitest';
import { sameBytes } from './helpers.js';
import { createMask, fillRect, invertMask, MaskHistory, strokeSegment, fullRect, segmentBounds } from '../../../shared/mask/index.js';

describe('undo / redo by tile patches', () => {
  it('undoes and redoes every operation to the exact pixels', () => {
    const m = createMask(300, 200);
    const h = new MaskHistory(m, { tileSize: 64 });
    const states: Uint8Array[] = [m.data.slice()];
    h.begin('rect');
    const r = { x: 10, y: 10, width: 100, height: 50 };
    h.touch(r);
    fillRect(m, r);
    h.commit();
    states.push(m.data.slice());
    h.begin('stroke');
    const brush = { radiusFrom: 6, radiusTo: 6, hardness: 1, mode: 'paint' as const };
    const pts = [{ x: 20, y: 150 }, { x: 120, y: 120 }, { x: 280, y: 190 }];
    for (let i = 1; i < pts.length; i++) {
      h.touch(segmentBounds(pts[i - 1]!, pts[i]!, 6, m.width, m.height));
      strokeSegment(m, pts[i - 1]!, pts[i]!, brush);
    }
    h.commit();
    states.push(m.data.slice());
    h.begin('invert');
    h.touch(fullRect(m));
    invertMask(m);
    h.commit();
    states.push(m.data.slice());
    expect(h.length).toBe(3);
    for (let i = 2; i >= 0; i--) {
      expect(h.undo()).not.toBeNull();
      expect(sameBytes(m.data, states[i]!)).toBe('same');
    }
    expect(h.undo()).toBeNull();
    for (let i = 1; i <= 3; i++) {
      h.redo();
      expect(sameBytes(m.data, states[i]!)).toBe('same');
    }
    expect(h.redo()).toBeNull();
  });
  it('stores only changed tiles, compressed; a no-op is not an entry', () => {
    const m = createMask(4096, 4096);
    const h = new MaskHistory(m);
    h.begin('invert');
    h.touch(fullRect(m));
    invertMask(m);
    const e = h.commit()!;
    expect(e.patches.length).toBe(64 * 64);
    expect(h.bytes).toBeLessThan(200_000);
    h.begin('nothing');
    h.touch({ x: 0, y: 0, width: 100, height: 100 });
    expect(h.commit()).toBeNull();
    h.begin('small');
    h.touch({ x: 100, y: 100, width: 10, height: 10 });
    fillRect(m, { x: 100, y: 100, width: 10, height: 10 }, 0);
    expect(h.commit()!.patches.length).toBe(1);
  });
  it('a new operation clears the redo stack; head ids track saved state; cancel restores', () => {
    const m = createMask(50, 50);
    const h = new MaskHistory(m, { tileSize: 16 });
    const op = (x: number) => {
      h.begin('op');
      h.touch({ x, y: 0, width: 5, height: 5 });
      fillRect(m, { x, y: 0, width: 5, height: 5 });
      h.commit();
    };
    op(0);
    const saved = h.head;
    op(10);
    h.undo();
    expect(h.head).toBe(saved);
    expect(h.canRedo).toBe(true);
    op(20);
    expect(h.canRedo).toBe(false);
    expect(h.head).not.toBe(saved);
    const before = m.data.slice();
    h.begin('cancelled');
    h.touch({ x: 30, y: 30, width: 5, height: 5 });
    fillRect(m, { x: 30, y: 30, width: 5, height: 5 });
    h.cancel();
    expect(sameBytes(m.data, before)).toBe('same');
  });
  it('drops the oldest entries beyond the limits', () => {
    const m = createMask(64, 64);
    const h = new MaskHistory(m, { tileSize: 8, maxEntries: 5 });
    for (let i = 0; i < 12; i++) {
      h.begin('op');
      h.touch({ x: i * 5, y: 0, width: 1, height: 1 });
      m.data[i * 5] = 255;
      h.commit();
    }
    expect(h.length).toBe(5);
    let undos = 0;
    while (h.undo()) undos++;
    expect(undos).toBe(5);
    expect(m.data.filter((v) => v === 255).length).toBe(7);
    expect(() => h.touch({ x: 0, y: 0, width: 1, height: 1 })).toThrow(/outside begin/);
  });
});
