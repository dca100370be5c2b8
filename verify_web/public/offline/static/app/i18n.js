// The app's strings, in Vietnamese and English, from the JSON block the server rendered through
// Flask-Babel (verify_web/public/offline/strings.py): the verdict wording is the scan page's own.
const TABLE = JSON.parse(document.getElementById("ocop-strings").textContent);
const KEY = "ocop-lang";
let language = pick(localStorage.getItem(KEY) ?? document.documentElement.lang);

function pick(code) {
  return Object.hasOwn(TABLE, code) ? code : "vi";
}

/** The current language ("vi" or "en"). */
export function current() {
  return language;
}

/** The text of `key` in the current language, with `%(name)s` replaced from `params`. */
export function t(key, params = {}) {
  const text = TABLE[language][key] ?? TABLE.vi[key] ?? key;
  return text.replace(/%\((\w+)\)s/g, (_, name) => String(params[name] ?? ""));
}

/** Switch language, remember it, and re-translate every element marked `data-t`. */
export function use(code) {
  language = pick(code);
  localStorage.setItem(KEY, language);
  document.documentElement.lang = language;
  for (const element of document.querySelectorAll("[data-t]")) element.textContent = t(element.dataset.t);
  for (const element of document.querySelectorAll("[data-t-placeholder]")) {
    element.placeholder = t(element.dataset.tPlaceholder);
  }
}

/** A date and time in Việt Nam's zone, as the site writes it: "15:04, 01/12/2026". */
export function when(date) {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Ho_Chi_Minh", hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit",
    year: "numeric", hourCycle: "h23",
  }).formatToParts(date);
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get("hour")}:${get("minute")}, ${get("day")}/${get("month")}/${get("year")}`;
}

/** A calendar date "YYYY-MM-DD" written as the site writes days: "10/03/2028". */
export function day(iso) {
  const [y, m, d] = iso.split("-");
  return `${d}/${m}/${y}`;
}
