import type { Ratio } from './targets.js';

const WIDTH = 960;
const LABEL_WIDTH = 430;
const ROW_HEIGHT = 24;
const TOP = 40;
const BOTTOM = 36;
const PLOT_LEFT = LABEL_WIDTH + 10;
const PLOT_RIGHT = WIDTH - 80;
const TICKS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500];

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/**
 * An SVG bar chart of the ratios on a log scale, one bar per ratio from parity (1x) to its
 * value: green where it meets its target, red where it misses, grey without a target; a black
 * tick marks the target. Hand-written: a few dozen lines of SVG need no charting library.
 */
export function ratioChartSvg(title: string, ratios: readonly Ratio[]): string {
  const rows = ratios.filter((ratio) => ratio.plotted !== false && Number.isFinite(ratio.value));
  const values = rows.flatMap((ratio) => [ratio.value, ratio.target ?? 1]);
  const low = Math.min(0.5, ...values) / 1.2;
  const high = Math.max(2, ...values) * 1.2;
  const x = (value: number) =>
    PLOT_LEFT +
    ((Math.log(value) - Math.log(low)) / (Math.log(high) - Math.log(low))) *
      (PLOT_RIGHT - PLOT_LEFT);
  const height = TOP + rows.length * ROW_HEIGHT + BOTTOM;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (const tick of TICKS.filter((value) => value >= low && value <= high)) {
    const position = x(tick).toFixed(1);
    parts.push(
      `<line x1="${position}" y1="${TOP - 4}" x2="${position}" y2="${height - BOTTOM + 4}" stroke="${tick === 1 ? '#555555' : '#e3e3e3'}"/>`,
      `<text x="${position}" y="${height - BOTTOM + 18}" text-anchor="middle" fill="#555555">${tick}x</text>`,
    );
  }
  for (const [index, ratio] of rows.entries()) {
    const y = TOP + index * ROW_HEIGHT;
    const from = x(Math.min(1, ratio.value));
    const to = x(Math.max(1, ratio.value));
    const colour = ratio.met === undefined ? '#9e9e9e' : ratio.met ? '#2e7d32' : '#c62828';
    parts.push(
      `<text x="${LABEL_WIDTH}" y="${y + 16}" text-anchor="end">${escapeXml(ratio.label)}</text>`,
      `<rect x="${from.toFixed(1)}" y="${y + 5}" width="${Math.max(1, to - from).toFixed(1)}" height="${ROW_HEIGHT - 10}" fill="${colour}"/>`,
      `<text x="${WIDTH - 8}" y="${y + 16}" text-anchor="end" fill="${colour}" font-weight="bold">${ratio.value.toFixed(2)}x</text>`,
    );
    if (ratio.target !== undefined) {
      const target = x(ratio.target).toFixed(1);
      parts.push(
        `<line x1="${target}" y1="${y + 2}" x2="${target}" y2="${y + ROW_HEIGHT - 2}" stroke="#000000" stroke-width="2"/>`,
      );
    }
  }
  parts.push(
    `<text x="${PLOT_LEFT}" y="${height - 4}" fill="#555555">higher is better; black tick: target; green met, red missed, grey no target</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}
