// The client portal's web UI: one page, hash routes for staff (#/staff/…) and contacts
// (#/portal/…); /create-account#<token> is the page the invite email links to, /join#<token>
// the one a staff invite email links to.
import { session, signOut } from "./api.js";
import { h } from "./ui.js";
import { signInPage } from "./sign-in.js";
import * as staff from "./staff.js";
import * as portal from "./portal.js";
import { createAccount } from "./portal-create-account.js";
import { joinView } from "./staff-join.js";
import { teamLink } from "./staff-team.js";

const app = document.getElementById("app");
const nav = document.getElementById("nav");

const LINKS = {
  staff: [["#/staff", "Clients"], ["#/staff/templates", "Email templates"], ["#/staff/settings", "Portal settings"]],
  contact: [["#/portal", "Home"], ["#/portal/settings", "User settings"]],
};

function navFor(kind) {
  nav.replaceChildren();
  if (kind && session(kind)) {
    nav.append(...LINKS[kind].map(([href, text]) => h("a", { href }, text)),
      h("button", { type: "button", onclick: async () => { await signOut(kind); location.hash = signInPage(kind); } }, "Sign out"));
    if (kind === "staff") teamLink(nav);
  }
}

export async function render() {
  const hash = location.hash || "#/";
  const parts = hash.slice(2).split("/").filter(Boolean).map(decodeURIComponent);
  let view;
  if (location.pathname === "/create-account" && !hash.startsWith("#/")) {
    navFor(null);
    view = await createAccount(hash.slice(1));
  } else if (location.pathname === "/join" && !hash.startsWith("#/")) {
    navFor(null);
    view = await joinView(hash.slice(1));
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
