// @vitest-environment happy-dom
// The default brush is sized to the image (issue 17: a 24 px brush painted a quarter of a 64 px
// ShapesEdit image): a sixteenth of the shorter side until the user picks a size, which then sticks.
import { afterEach, describe, expect, it } from 'vitest';
import { autoBrushSize, defaultPrefs, loadPrefs, withBrushFor } from '../../../../renderer/src/views/masks/prefs.js';

afterEach(() => localStorage.clear());

describe('the brush size', () => {
  it('is sized to the image by default', () => {
    expect(defaultPrefs.brushSize).toBe(0);
    expect(withBrushFor(defaultPrefs, 64, 64).brushSize).toBe(4);
    expect(withBrushFor(defaultPrefs, 512, 384).brushSize).toBe(24);
    expect(autoBrushSize(8, 3)).toBe(1);
  });

  it('keeps a size the user picked, whatever the image', () => {
    expect(withBrushFor({ ...defaultPrefs, brushSize: 10 }, 64, 64).brushSize).toBe(10);
    expect(withBrushFor({ ...defaultPrefs, brushSize: 10 }, 1024, 1024).brushSize).toBe(10);
  });

  it('loads "sized to the image" back from storage, and an out-of-range size as that', () => {
    localStorage.setItem('ric.maskEditor.prefs', JSON.stringify({ brushSize: 0, hardness: 0.5 }));
    expect(loadPrefs()).toMatchObject({ brushSize: 0, hardness: 0.5 });
    localStorage.setItem('ric.maskEditor.prefs', JSON.stringify({ brushSize: -3 }));
    expect(loadPrefs().brushSize).toBe(0);
    localStorage.setItem('ric.maskEditor.prefs', JSON.stringify({ brushSize: 37 }));
    expect(loadPrefs().brushSize).toBe(37);
  });
});
