/** The dashboard's stylesheet, inlined so the page opens from disk. */
export const DASHBOARD_CSS = `
:root { --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2328; background: #fff; }
header { padding: 16px 24px; background: #0d1117; color: #f0f6fc; display: flex; align-items: baseline; gap: 16px; }
header h1 { margin: 0; font-size: 20px; }
.generated { margin: 0; color: #8b949e; }
main { padding: 8px 24px 32px; display: grid; gap: 24px; }
section h2 { font-size: 16px; margin: 16px 0 8px; display: flex; align-items: center; gap: 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: var(--bg); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; background: var(--muted); }
.badge.passed, .badge.pass { background: var(--ok); }
.badge.failed, .badge.fail { background: var(--bad); }
.badge.warning, .badge.warn { background: var(--warn); }
tr.failed td, tr.fail td { background: #ffebe9; }
tr.rollback td { background: #fff8c5; }
tr.unmanaged td, td.unmanaged { background: #fbefff; }
td.wip { background: #fff8c5; }
tr.current td { font-weight: 600; }
.badge.interrupted, .badge.running { background: var(--warn); }
.mark { font-size: 12px; font-weight: 600; }
.mark.wip { color: var(--warn); }
.mark.unmanaged { color: #8250df; }
.mark.frozen { color: var(--bad); }
td.files a { margin-right: 6px; white-space: nowrap; }
.matrix code { word-break: break-all; }
.failure { color: var(--bad); font-weight: 600; }
.small { color: var(--muted); font-size: 12px; }
.hold { color: var(--bad); font-size: 12px; font-weight: 600; }
.none { color: var(--muted); }
.empty { color: var(--muted); }
.meta { color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 22px; font-weight: 700; margin: 4px 0; }
.tier { display: inline-block; font-size: 12px; font-weight: 600; padding: 1px 8px; border-radius: 10px; background: var(--bg); }
.tier.elite { background: #dafbe1; color: var(--ok); }
.tier.high { background: #ddf4ff; color: #0969da; }
.tier.medium { background: #fff8c5; color: var(--warn); }
.tier.low { background: #ffebe9; color: var(--bad); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 16px; margin-top: 12px; }
figure { margin: 0; }
figcaption { font-weight: 600; margin-bottom: 4px; }
.chart .bar { fill: #0969da; }
.chart .axis { stroke: var(--muted); stroke-width: 1; }
.chart .tick { fill: var(--muted); font-size: 10px; }
`;
