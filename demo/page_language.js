// The page's language, chosen before Gradio starts (demo/i18n_page.py puts this in <head>, after
// DIGIT_DEMO_LANGUAGES = {code: {name, dir, codes, texts}} from demo/locales/*.json).
// The link's ?lang= wins (a teacher shares one link for the whole class), then the language chosen in
// the menu before (this browser's localStorage), then the browser's own languages, then English.
(() => {
  const STORED = "digit-demo-language";
  const languages = DIGIT_DEMO_LANGUAGES;
  const match = (code) => {
    code = String(code || "").trim().replace("_", "-").toLowerCase();
    if (!code) return null;
    for (const [ours, language] of Object.entries(languages)) {
      if (language.codes.some((browser) => browser.toLowerCase() === code)) return ours;
    }
    const base = code.split("-")[0];
    return base in languages ? base : null;
  };
  const params = new URLSearchParams(location.search);
  let stored = null;
  try { stored = localStorage.getItem(STORED); } catch (error) { /* storage off: the link and the browser decide */ }
  const lang = match(params.get("lang")) || match(stored) || (navigator.languages || [navigator.language]).map(match).find(Boolean) || "en";
  const language = languages[lang];

  // Every call the page makes sends the page's query string: the server answers in this language too.
  if (params.get("lang") !== lang) {
    params.set("lang", lang);
    history.replaceState(history.state, "", `${location.pathname}?${params}${location.hash}`);
  }
  // Gradio takes its locale from navigator.language (the first of our codes is one Gradio knows).
  const browserCode = language.codes[0];
  Object.defineProperty(Navigator.prototype, "language", { get: () => browserCode, configurable: true });
  Object.defineProperty(Navigator.prototype, "languages", { get: () => [browserCode], configurable: true });
  document.documentElement.lang = browserCode;
  document.documentElement.dir = language.dir;

  const text = (key) => language.texts[key] ?? languages.en.texts[key] ?? "";
  // text("client.picker.alt", {id: 12, label: 7}): the placeholders filled, as demo/i18n.py's Language.t does.
  const format = (key, values = {}) => text(key).replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
  window.digitDemo = {
    lang,
    dir: language.dir,
    text: format,
    switchTo(code) {
      try { localStorage.setItem(STORED, code); } catch (error) { /* the link alone carries it */ }
      const next = new URLSearchParams(location.search);
      next.set("lang", code);
      location.search = next.toString();
    },
  };
  // Gradio sets <html lang> itself once it starts, and the page's title (in English); the direction and the
  // title in this language are ours, so keep them.
  const keep = () => {
    if (document.documentElement.dir !== language.dir) document.documentElement.dir = language.dir;
    if (document.title !== text("client.title")) document.title = text("client.title");
  };
  keep();
  const watcher = new MutationObserver(keep);
  watcher.observe(document.documentElement, { attributes: true, attributeFilter: ["dir"] });
  watcher.observe(document.head, { subtree: true, childList: true, characterData: true });
})();
