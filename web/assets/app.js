// The client portal's web UI: one page, hash routes for staff (#/staff/…) and contacts
// (#/portal/…); /create-account#<token> is the page the invite email links to.
import { session, signOut } from "./api.js";
import { h } from "./ui.js";
import * as staff from "./staff.js";
import * as portal from "./portal.js";

const app = document.getElementById("app");
const nav = document.getElementById("nav");

function navFor(kind) {
  nav.replaceChildren();
  if (kind === "staff" && session("staff")) {
    nav.append(h("a", { href: "#/staff" }, "Clients"), h("a", { href: "#/staff/templates" }, "Email templates"),
      h("a", { href: "#/staff/settings" }, "Portal settings"),
      h("button", { type: "button", onclick: async () => { await signOut("staff"); location.hash = "#/staff/sign-in"; } }, "Sign out"));
  } else if (kind === "contact" && session("contact")) {
    nav.append(h("a", { href: "#/portal" }, "Home"), h("a", { href: "#/portal/settings" }, "User settings"),
      h("button", { type: "button", onclick: async () => { await signOut("contact"); location.hash = "#/portal/sign-in"; } }, "Sign out"));
  }
}

export async function render() {
  const hash = location.hash || "#/";
  const parts = hash.slice(2).split("/").filter(Boolean).map(decodeURIComponent);
  let view;
  if (location.pathname === "/create-account" && !hash.startsWith("#/")) {
    navFor(null);
    view = await portal.createAccount(hash.slice(1));
  } else if (parts[0] === "staff") {
    navFor("staff");
    view = await staff.route(parts.slice(1));
  } else if (parts[0] === "portal") {
    navFor("contact");
    view = await portal.route(parts.slice(1));
  } else {
    navFor(null);
    view = h("section", { class: "card" }, h("h1", {}, "Client Portal"),
      h("p", {}, "The secure place to exchange files, requests, invoices and messages with your firm."),
      h("div", { class: "row" }, h("a", { class: "button", href: "#/portal/sign-in" }, "Client sign in"),
        h("a", { class: "button secondary", href: "#/staff/sign-in" }, "Firm staff sign in")));
  }
  app.replaceChildren(view);
  (app.querySelector("h1") || app).setAttribute("tabindex", "-1");
  (app.querySelector("h1") || app).focus();
}

window.addEventListener("hashchange", () => { render(); });
render();
