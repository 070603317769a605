export { type BarChartInput, barChart } from './bar-chart';
export { type HeatmapInput, heatmap } from './heatmap';
export { type HistogramBin, type HistogramInput, histogram, histogramBins } from './histogram';
export { type LineChartInput, type LinePoint, type LineSeries, lineChart } from './line-chart';
export { type ScatterInput, scatter } from './scatter';
export {
  type Domain,
  type NiceAxis,
  type Scale,
  coord,
  extent,
  formatTick,
  linearScale,
  niceAxis,
  tickLabels,
  tickStep,
} from './scale';
