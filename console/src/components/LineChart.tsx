import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: Array<number | null>;
  dashed?: boolean;
}

const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

interface Props {
  title: string;
  x: number[];
  series: Series[];
  xLabel: string;
  yLabel?: string;
  height?: number;
  /** x values are epoch seconds (time axis) rather than plain numbers. */
  time?: boolean;
  /** x values are counts (epochs): ticks only on whole numbers. */
  integerX?: boolean;
}

const WHOLE_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/** A line chart on uPlot (canvas, no inline styles or scripts: fine under the console's CSP). */
export function LineChart({ title, x, series, xLabel, yLabel, height = 240, time = false, integerX = false }: Props) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const options: uPlot.Options = {
      title,
      width: Math.max(280, el.clientWidth),
      height,
      scales: { x: { time } },
      axes: [{ label: xLabel, ...(integerX ? { incrs: WHOLE_STEPS } : {}) }, { label: yLabel }],
      series: [
        { label: xLabel },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: PALETTE[i % PALETTE.length],
          width: 2,
          dash: s.dashed ? [6, 4] : undefined,
          spanGaps: true,
        })),
      ],
    };
    const plot = new uPlot(options, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [title, x, series, xLabel, yLabel, height, time, integerX]);
  return <div className="chart" ref={box} role="img" aria-label={title} />;
}
