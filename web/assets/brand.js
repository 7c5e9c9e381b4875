// The firm's look in the portal's header: its logo and name in place of "Client Portal",
// and its accent colour on the header's edge and on buttons and links. The colour is set as
// a CSS variable through the CSSOM (the Content-Security-Policy refuses style attributes,
// not this); the API only ever stores #rrggbb. The logo is the firm's public logo URL
// (same origin), shown with the firm's name as its text alternative.
import { h } from "./ui.js";

const DEFAULT = { firm_name: null, logo_url: null, accent_color: null };

/** Show `firm` ({ firm_name, logo_url, accent_color }) in the header; `null`: the portal's own. */
export function applyBrand(firm) {
  const b = firm || DEFAULT;
  const root = document.documentElement;
  if (b.accent_color && /^#[0-9a-f]{6}$/i.test(b.accent_color)) root.style.setProperty("--brand", b.accent_color);
  else root.style.removeProperty("--brand");
  const link = document.querySelector(".top .brand");
  if (!link) return;
  const name = b.firm_name || "Client Portal";
  // replaceChildren would write a null as the text "null": only the nodes there are.
  link.replaceChildren(...[b.logo_url ? h("img", { class: "brand-logo", src: b.logo_url, alt: "" }) : null, h("span", {}, name)].filter(Boolean));
  link.setAttribute("aria-label", b.firm_name ? `${b.firm_name} client portal` : "Client Portal");
}
