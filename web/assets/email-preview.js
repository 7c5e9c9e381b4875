// An email's HTML shown in a sandboxed frame (no scripts; same origin only so that this
// page can fill it). Emails style their elements with style attributes, which the page's
// Content-Security-Policy refuses (the frame inherits it); so the attributes are renamed
// before the HTML is parsed and each element's style is applied through the CSSOM instead.
import { h } from "./ui.js";

/** Every `style=` attribute becomes `data-style=`, in tags only (text is escaped: no `<` in it). */
function renameStyles(html) {
  return html.replace(/<[^>]+>/g, (tag) => tag.replace(/(\s)style=/gi, "$1data-style="));
}

/** Append to `parent` a frame that shows the email `html`. */
export function appendEmail(parent, html) {
  const frame = h("iframe", { class: "preview", title: "Email preview", sandbox: "allow-same-origin" });
  parent.append(frame);
  const doc = frame.contentDocument;
  const parsed = new DOMParser().parseFromString(renameStyles(html), "text/html");
  doc.replaceChild(doc.importNode(parsed.documentElement, true), doc.documentElement);
  for (const el of doc.querySelectorAll("[data-style]")) {
    el.style.cssText = el.getAttribute("data-style");
    el.removeAttribute("data-style");
  }
  return frame;
}
