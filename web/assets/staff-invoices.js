// Staff: the client's invoices (a page at a time), the outstanding balance, and New invoice.
import { invoices } from "./api-invoices.js";
import { field, fmtDate, h, liveCard, money, onSubmit, pagedList } from "./ui.js";

export function invoicesCard(ctx) {
  return liveCard({}, async (redraw) => {
    const b = await invoices.list(ctx.clientId);
    const head = h("thead", {}, h("tr", {}, ["Number", "Due", "Total", "Due now", "Status"].map((t, i) => h("th", { class: i >= 2 && i < 4 ? "num" : "" }, t))));
    const list = await pagedList((cursor) => (cursor ? invoices.list(ctx.clientId, { cursor }) : b),
      (i) => h("tr", {}, h("td", {}, i.number), h("td", {}, fmtDate(i.due_date)), h("td", { class: "num" }, money(i.total, i.currency)),
        h("td", { class: "num" }, money(i.balance_due, i.currency)), h("td", {}, i.status)),
      { tag: "tbody", attrs: {}, empty: "No invoices.", frame: (body) => h("table", {}, head, body) });
    const form = h("form", { novalidate: true },
      field("Invoice number", "number", { required: true }), field("Description", "description", { required: true }),
      field("Amount (e.g. 450.00)", "amount", { inputmode: "decimal", required: true }), field("Currency", "currency", { value: "USD" }),
      field("Due date", "due_date", { type: "date", required: true }),
      h("p", {}, h("button", { type: "submit" }, "Create invoice")));
    onSubmit(form, async () => {
      const cents = Math.round(Number(form.amount.value) * 100);
      await invoices.create(ctx.clientId, {
        number: form.number.value, issue_date: new Date().toISOString().slice(0, 10), due_date: form.due_date.value, currency: form.currency.value,
        lines: [{ description: form.description.value, quantity: 1, unit_amount: Number.isFinite(cents) ? cents : -1 }] });
      await redraw();
    });
    return [h("h2", {}, "Invoices"),
      b.balances.map((x) => h("p", {}, "Outstanding: ", h("strong", {}, money(x.amount, x.currency)))),
      b.open_invoices ? h("p", { class: "small muted" }, `${b.open_invoices} open invoice${b.open_invoices === 1 ? "" : "s"}`) : null,
      list,
      paymentHistory(ctx),
      h("details", {}, h("summary", {}, "New invoice"), form)];
  });
}

/** "Payment history", loaded a page at a time when it is opened. */
function paymentHistory(ctx) {
  const box = h("div", {});
  const details = h("details", { class: "payments" }, h("summary", {}, "Payment history"), box);
  details.addEventListener("toggle", async () => {
    if (!details.open || box.children.length) return;
    box.replaceChildren(await pagedList((cursor) => invoices.payments(ctx.clientId, { cursor }),
      (p) => h("li", {}, `${fmtDate(p.paid_on)} — ${money(p.amount, p.currency)} for invoice ${p.invoice_number}${p.method === "online" ? " (online)" : ""}`),
      { empty: "No payments yet." }));
  });
  return details;
}
