// uPlot's dist files, bundled into the Worker as text by wrangler.toml's [[rules]] (type "Text").
declare module 'uplot/dist/uPlot.iife.min.js' {
  const text: string;
  export default text;
}
declare module 'uplot/dist/uPlot.min.css' {
  const text: string;
  export default text;
}
