/** Renders the digest's trend chart on the server (src/charts implements it with ECharts and resvg). */
export interface TrendChartInput {
  /** Drawn at the top when not empty (the surfaces already caption the picture with the ImageBlock's title). */
  title: string;
  /** One label per day (`11-03`). */
  days: string[];
  /** Actual daily cost in USD; null where no snapshot exists. */
  actual: (number | null)[];
  /** Expected daily cost (the fitted model) and its band, in USD; null where none. */
  expected?: (number | null)[];
  low?: (number | null)[];
  high?: (number | null)[];
  /** Indexes of anomalous days, marked on the chart. */
  anomalies?: number[];
  width?: number;
  height?: number;
}

export interface RenderedChart {
  png: Uint8Array;
  width: number;
  height: number;
}

export interface ChartRenderer {
  trend(input: TrendChartInput): Promise<RenderedChart>;
}
