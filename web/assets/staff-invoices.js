// Staff: the client's invoices, the outstanding balance, and New invoice.
import { invoices } from "./api-invoices.js";
import { field, fmtDate, h, liveCard, money, onSubmit } from "./ui.js";

export function invoicesCard(ctx) {
  return liveCard({}, async (redraw) => {
    const b = await invoices.list(ctx.clientId);
    const rows = b.invoices.map((i) => h("tr", {}, h("td", {}, i.number), h("td", {}, fmtDate(i.due_date)), h("td", { class: "num" }, money(i.total, i.currency)),
      h("td", { class: "num" }, money(i.balance_due, i.currency)), h("td", {}, i.status)));
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
      rows.length ? h("table", {}, h("thead", {}, h("tr", {}, ["Number", "Due", "Total", "Due now", "Status"].map((t, i) => h("th", { class: i >= 2 && i < 4 ? "num" : "" }, t)))), h("tbody", {}, rows)) : h("p", { class: "muted" }, "No invoices."),
      h("details", {}, h("summary", {}, "New invoice"), form)];
  });
}
