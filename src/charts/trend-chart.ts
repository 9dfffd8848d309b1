/**
 * Server-side charts for the digests: Apache ECharts renders SVG without a DOM (SSR), resvg turns it into a PNG with
 * the DejaVu Sans font shipped as an npm package, so the slim Docker image (no system fonts) still renders text.
 * Both libraries load on the first chart, not at start.
 */
import { createRequire } from 'node:module';
import type { ChartRenderer, RenderedChart, TrendChartInput } from '../domain/ports/chart.port.js';

const FONT_FAMILY = 'DejaVu Sans';

function fontFiles(): string[] {
  const require = createRequire(import.meta.url);
  return [require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'), require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')];
}

type Libs = { echarts: typeof import('echarts'); Resvg: typeof import('@resvg/resvg-js').Resvg; fonts: string[] };
let libs: Promise<Libs> | undefined;
function load(): Promise<Libs> {
  libs ??= Promise.all([import('echarts'), import('@resvg/resvg-js')]).then(([echarts, resvg]) => ({ echarts, Resvg: resvg.Resvg, fonts: fontFiles() }));
  return libs;
}

/** The ECharts option for a daily-cost trend: actual line, expected dashed line, 80 % band, anomalies marked. */
export function trendOption(input: TrendChartInput): Record<string, unknown> {
  const band = input.low && input.high ? input.high.map((h, i) => (h === null || input.low?.[i] === null ? null : round(h - (input.low?.[i] as number)))) : undefined;
  const marks = (input.anomalies ?? []).filter((i) => input.actual[i] !== null && input.actual[i] !== undefined).map((i) => ({ coord: [input.days[i]?.slice(5), input.actual[i]], value: 'anomaly' }));
  return {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: FONT_FAMILY },
    // The surfaces caption the picture with its title; drawn only when asked (it costs ~2 KB of PNG).
    ...(input.title ? { title: { text: input.title, left: 12, top: 8, textStyle: { fontFamily: FONT_FAMILY, fontSize: 15, fontWeight: 'bold', color: '#1d2330' } } } : {}),
    legend: { top: input.title ? 10 : 4, right: 12, textStyle: { fontFamily: FONT_FAMILY, fontSize: 11 }, data: ['Actual', 'Expected', '80% band'] },
    grid: { left: 56, right: 16, top: input.title ? 48 : 28, bottom: 28 },
    xAxis: { type: 'category', data: input.days.map((d) => d.slice(5)), axisLabel: { fontFamily: FONT_FAMILY, fontSize: 10, interval: 4 } },
    yAxis: { type: 'value', scale: true, axisLabel: { fontFamily: FONT_FAMILY, fontSize: 10, formatter: (v: number) => `$${v >= 1000 ? `${round(v / 1000)}k` : v}` } },
    series: [
      ...(band
        ? [
            { name: 'band-base', type: 'line', data: input.low, stack: 'band', symbol: 'none', lineStyle: { opacity: 0 }, silent: true },
            { name: '80% band', type: 'line', data: band, stack: 'band', symbol: 'none', lineStyle: { opacity: 0 }, itemStyle: { color: 'rgba(47,111,235,0.35)' }, areaStyle: { color: 'rgba(47,111,235,0.15)' }, silent: true },
          ]
        : []),
      ...(input.expected ? [{ name: 'Expected', type: 'line', data: input.expected, symbol: 'none', lineStyle: { type: 'dashed', width: 1.5, color: '#6b7385' }, itemStyle: { color: '#6b7385' } }] : []),
      {
        name: 'Actual',
        type: 'line',
        data: input.actual,
        symbol: 'none',
        lineStyle: { width: 2, color: '#2f6feb' },
        itemStyle: { color: '#2f6feb' },
        markPoint: marks.length ? { symbol: 'pin', symbolSize: 36, itemStyle: { color: '#c9372c' }, label: { show: false }, data: marks } : undefined,
      },
    ],
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

export function createTrendChartRenderer(): ChartRenderer {
  return {
    async trend(input): Promise<RenderedChart> {
      const { echarts, Resvg, fonts } = await load();
      const width = input.width ?? 800;
      const height = input.height ?? 360;
      const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
      let svg: string;
      try {
        chart.setOption(trendOption(input) as never);
        svg = chart.renderToSVGString();
      } finally {
        chart.dispose();
      }
      // Crisp edges: the lines stay sharp and the PNG small (anti-aliased shapes would double its size).
      const png = new Resvg(svg, { font: { fontFiles: fonts, loadSystemFonts: false, defaultFontFamily: FONT_FAMILY }, fitTo: { mode: 'original' }, shapeRendering: 1 }).render().asPng();
      return { png: new Uint8Array(png), width, height };
    },
  };
}
