// The SQL editor: a textarea over a highlighted copy of its text. Nothing is loaded from anywhere.
// Python sends {text, version, …}; the text is replaced only when the version changes, so a rerun
// never undoes typing. The text goes back to Python when the editor loses focus (state "text"),
// and with Ctrl+Enter / ⌘+Enter as a run request (trigger "run").
const KEYWORDS = new Set((
  "all and anti any as asc asof between by case cast cross desc describe distinct else end except " +
  "exists explain false filter first from full group having ilike in inner intersect interval is join " +
  "last lateral left like limit natural not null nulls offset on or order outer over partition pivot " +
  "positional qualify range recursive right rows select semi show summarize then true try_cast union " +
  "unpivot using values when where window with date timestamp timestamptz varchar integer bigint " +
  "double boolean"
).split(" "));
const TOKEN = /(--[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|('(?:[^']|'')*'?)|("(?:[^"]|"")*"?)|(\$[A-Za-z_]\w*)|(\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b)|([A-Za-z_]\w*)(?=\s*\()|([A-Za-z_]\w*)/gi;

function escapeHtml(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function highlight(src) {
  let out = "";
  let last = 0;
  for (const m of src.matchAll(TOKEN)) {
    const [token, comment, str, quoted, param, num, fn, word] = m;
    out += escapeHtml(src.slice(last, m.index));
    let cls = "";
    if (comment) cls = "c";
    else if (str) cls = "s";
    else if (quoted) cls = "q";
    else if (param) cls = "p";
    else if (num) cls = "n";
    else if (fn) cls = KEYWORDS.has(fn.toLowerCase()) ? "k" : "f";
    else if (word && KEYWORDS.has(word.toLowerCase())) cls = "k";
    out += cls ? `<span class="${cls}">${escapeHtml(token)}</span>` : escapeHtml(token);
    last = m.index + token.length;
  }
  // a trailing newline keeps the copy as tall as the textarea when the text ends in one
  return out + escapeHtml(src.slice(last)) + "\n";
}

export default function (component) {
  const { data, parentElement, setStateValue, setTriggerValue } = component;
  const area = parentElement.querySelector("textarea");
  const pre = parentElement.querySelector("pre");
  const code = parentElement.querySelector("code");
  const box = parentElement.querySelector(".qx-editor");
  const paint = () => {
    code.innerHTML = highlight(area.value);
    pre.scrollTop = area.scrollTop;
    pre.scrollLeft = area.scrollLeft;
  };
  if (area.dataset.version !== String(data.version)) {
    area.value = data.text;
    area.dataset.version = String(data.version);
    area.dataset.sent = data.text;
    paint();
  }
  box.style.height = `${data.height}px`;
  area.placeholder = data.placeholder;
  area.setAttribute("aria-label", data.label);
  parentElement.querySelector(".qx-hint").textContent = data.hint;
  area.oninput = paint;
  area.onscroll = () => {
    pre.scrollTop = area.scrollTop;
    pre.scrollLeft = area.scrollLeft;
  };
  const send = () => {
    if (area.value !== area.dataset.sent) {
      area.dataset.sent = area.value;
      setStateValue("text", area.value);
    }
  };
  area.onblur = send;
  area.onkeydown = (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      area.dataset.sent = area.value;
      setTriggerValue("run", area.value);
    }
  };
}
