"""Hand-made marts for ML tests: small tables with the interface columns (docs/interfaces.md)
in a real DuckDB file, so rules and models run without the generator or dbt."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ccdw.settings import Settings

AS_OF = datetime(2026, 11, 29, 18, 0)

MARTS_DDL = (
    "create schema if not exists marts",
    """create table marts.fct_transactions (txn_id varchar, account_id varchar, customer_id varchar,
        booked_at timestamp, booked_date date, amount decimal(18,2), abs_amount decimal(18,2),
        direction varchar, txn_type varchar, channel varchar, counterparty varchar,
        balance_after decimal(18,2), currency varchar)""",
    """create table marts.dim_account (account_id varchar, customer_id varchar, account_type varchar,
        currency varchar, branch_id varchar, opened_at date, closed_at date, is_open boolean)""",
    """create table marts.dim_policy (policy_id varchar, customer_id varchar, product_code varchar,
        product_line varchar, start_date date, end_date date, annual_premium decimal(18,2),
        payment_frequency varchar, status varchar, sales_agent_id varchar)""",
    """create table marts.fct_premiums (policy_id varchar, customer_id varchar, due_date date,
        amount_due decimal(18,2), paid_at timestamp, amount_paid decimal(18,2), is_paid boolean,
        overdue_days integer, premium_status varchar)""",
    """create table marts.mart_customer_360 (customer_id varchar, name varchar, gender varchar,
        birth_date_md varchar, birth_year integer, province varchar, city varchar, center_id varchar,
        rm_id varchar, do_not_call boolean, phone_e164_masked varchar, n_accounts integer,
        total_balance decimal(18,2), n_policies integer, annual_premium_total decimal(18,2),
        premium_due_amount decimal(18,2), premium_overdue_amount decimal(18,2), calls_90d integer,
        tickets_90d integer, open_tickets integer, complaints_90d integer, last_contact_at timestamp)""",
    """create table marts.dim_relationship_manager (rm_id varchar, name varchar, email varchar,
        center_id varchar)""",
    """create table marts.dim_customer (customer_key varchar, customer_id varchar, valid_from timestamp,
        valid_to timestamp, is_current boolean, name varchar, gender varchar, birth_year integer,
        province varchar, city varchar, rm_id varchar, phone_e164_masked varchar,
        id_number_masked varchar, do_not_call boolean)""",
)

INFLOW_TYPES = {"deposit", "transfer_in", "interest", "redemption"}


@dataclass
class MartBuilder:
    """Accumulates customers, accounts and transactions; ``write`` creates the marts."""

    seed: int = 1
    customers: dict[str, dict[str, object]] = field(default_factory=dict)
    accounts: dict[str, dict[str, object]] = field(default_factory=dict)
    balances: dict[str, float] = field(default_factory=dict)
    txns: list[dict[str, object]] = field(default_factory=list)
    policies: list[dict[str, object]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)

    def customer(self, customer_id: str, rm_id: str | None = "RM01", calls_90d: int = 0) -> str:
        self.customers[customer_id] = {"customer_id": customer_id, "rm_id": rm_id, "calls_90d": calls_90d}
        return customer_id

    def account(
        self,
        account_id: str,
        customer_id: str,
        account_type: str = "savings",
        opening_balance: float = 0.0,
        opened_at: date | None = None,
    ) -> str:
        """``opened_at`` None: the day of the account's first transaction (set on write)."""
        if customer_id not in self.customers:
            self.customer(customer_id)
        self.accounts[account_id] = {
            "account_id": account_id,
            "customer_id": customer_id,
            "account_type": account_type,
            "currency": "CNY",
            "branch_id": "B01",
            "opened_at": opened_at,
            "closed_at": None,
            "is_open": True,
        }
        self.balances[account_id] = opening_balance
        return account_id

    def txn(
        self, account_id: str, when: datetime, amount: float, txn_type: str, channel: str = "online"
    ) -> str:
        """Signed amount follows the type: inflow types positive, the rest negative."""
        signed = abs(amount) if txn_type in INFLOW_TYPES else -abs(amount)
        self.balances[account_id] += signed
        txn_id = f"T{len(self.txns) + 1:07d}"
        self.txns.append(
            {
                "txn_id": txn_id,
                "account_id": account_id,
                "customer_id": self.accounts[account_id]["customer_id"],
                "booked_at": when,
                "booked_date": when.date(),
                "amount": round(signed, 2),
                "abs_amount": round(abs(signed), 2),
                "direction": "in" if signed > 0 else "out",
                "txn_type": txn_type,
                "channel": channel,
                "counterparty": None,
                "balance_after": round(self.balances[account_id], 2),
                "currency": "CNY",
            }
        )
        return txn_id

    def normal_history(
        self,
        account_id: str,
        days: int = 150,
        end: datetime = AS_OF,
        salary: float = 12000.0,
        spend: float = 600.0,
        every_days: int = 3,
    ) -> None:
        """Ordinary life: monthly salary in, small withdrawals/purchases every few days."""
        start = end - timedelta(days=days)
        day = 0
        while day < days:
            when = start + timedelta(days=day, hours=int(self.rng.integers(8, 20)))
            if day % 30 == 0:
                self.txn(account_id, when, salary, "transfer_in")
            kind = ("withdrawal", "purchase", "transfer_out")[int(self.rng.integers(0, 3))]
            amount = float(round(spend * self.rng.uniform(0.5, 1.5), 2))
            self.txn(account_id, when + timedelta(minutes=5), amount, kind, "atm" if kind == "withdrawal" else "mobile")
            day += every_days + int(self.rng.integers(0, 3))

    def policy(self, customer_id: str, annual_premium: float, status: str = "active") -> None:
        self.policies.append(
            {
                "policy_id": f"P{len(self.policies) + 1:05d}",
                "customer_id": customer_id,
                "product_code": "L01",
                "product_line": "life",
                "start_date": date(2024, 1, 1),
                "end_date": date(2044, 1, 1),
                "annual_premium": annual_premium,
                "payment_frequency": "annual",
                "status": status,
                "sales_agent_id": "A01",
            }
        )

    def populate_background(self, n: int = 40, prefix: str = "BG") -> None:
        """Ordinary customers so the models have a population to fit."""
        for i in range(n):
            cid = self.customer(f"{prefix}C{i:03d}", rm_id=f"RM{i % 3:02d}")
            aid = self.account(f"{prefix}A{i:03d}", cid, opening_balance=float(self.rng.uniform(5e3, 2e5)))
            self.normal_history(aid, salary=float(self.rng.uniform(6e3, 3e4)), spend=float(self.rng.uniform(200, 2000)))
            if i % 4 == 0:
                self.policy(cid, float(self.rng.uniform(2e3, 3e4)))

    def write(self, home: Path) -> Settings:
        home.mkdir(parents=True, exist_ok=True)
        settings = Settings(home=home)
        txns = pd.DataFrame(self.txns).sort_values(["booked_at", "txn_id"]).reset_index(drop=True)
        first_txn = txns.groupby("account_id")["booked_date"].min().to_dict()
        accounts = pd.DataFrame(
            [{**acc, "opened_at": acc["opened_at"] or first_txn.get(aid)} for aid, acc in self.accounts.items()]
        )
        per_customer_balance = {
            cid: sum(self.balances[a] for a, acc in self.accounts.items() if acc["customer_id"] == cid)
            for cid in self.customers
        }
        c360 = pd.DataFrame(
            [
                {
                    "customer_id": cid,
                    "name": f"客户{cid}",
                    "rm_id": c["rm_id"],
                    "center_id": "GD-GZ",
                    "n_accounts": sum(1 for acc in self.accounts.values() if acc["customer_id"] == cid),
                    "total_balance": per_customer_balance[cid],
                    "n_policies": sum(1 for p in self.policies if p["customer_id"] == cid),
                    "annual_premium_total": sum(
                        p["annual_premium"] for p in self.policies if p["customer_id"] == cid
                    ),
                    "calls_90d": c["calls_90d"],
                    "tickets_90d": 0,
                    "open_tickets": 0,
                    "complaints_90d": 0,
                }
                for cid, c in self.customers.items()
            ]
        )
        con = duckdb.connect(str(settings.warehouse_path))
        try:
            for ddl in MARTS_DDL:
                con.execute(ddl)
            con.register("t", txns)
            con.execute("insert into marts.fct_transactions by name select * from t")
            con.register("a", accounts)
            con.execute("insert into marts.dim_account by name select * from a")
            con.register("c", c360)
            con.execute("insert into marts.mart_customer_360 by name select * from c")
            if self.policies:
                con.register("p", pd.DataFrame(self.policies))
                con.execute("insert into marts.dim_policy by name select * from p")
            rms = sorted({c["rm_id"] for c in self.customers.values() if c["rm_id"]})
            for rm in rms:
                con.execute(
                    "insert into marts.dim_relationship_manager values (?, ?, ?, 'GD-GZ')",
                    [rm, f"RM {rm}", f"{rm.lower()}@bank.example"],
                )
        finally:
            con.close()
        return settings


def _at(days_before: float, hour: int = 10) -> datetime:
    return (AS_OF - timedelta(days=days_before)).replace(hour=hour, minute=0)


def plant_large_outflow(b: MartBuilder, prefix: str = "LO") -> str:
    aid = b.account(f"{prefix}A", b.customer(f"{prefix}C"), opening_balance=900_000)
    b.normal_history(aid, spend=1_500)
    b.txn(aid, _at(2), 480_000, "withdrawal", "branch")
    return aid


def lookalike_large_outflow(b: MartBuilder, prefix: str = "LOL") -> str:
    """A business owner who moves six figures every couple of weeks: a big outflow is normal."""
    aid = b.account(f"{prefix}A", b.customer(f"{prefix}C"), opening_balance=3_000_000)
    for k in range(10):
        b.txn(aid, _at(140 - 14 * k), 300_000, "transfer_in")
        b.txn(aid, _at(139 - 14 * k), 150_000 + 10_000 * (k % 3), "transfer_out")
    b.txn(aid, _at(2), 200_000, "transfer_out")
    return aid


def plant_purchase_burst(b: MartBuilder, prefix: str = "PB") -> str:
    aid = b.account(f"{prefix}A", b.customer(f"{prefix}C"), opening_balance=600_000)
    b.normal_history(aid, spend=800)
    for k, amount in enumerate((58_000, 72_000, 45_000, 66_000)):
        b.txn(aid, _at(4, 9) + timedelta(hours=10 * k), amount, "purchase" if k % 2 else "subscription", "mobile")
    return aid


def lookalike_purchase_burst(b: MartBuilder, prefix: str = "PBL") -> str:
    """A wealth client who subscribes to products every week: three in a few days is routine."""
    aid = b.account(f"{prefix}A", b.customer(f"{prefix}C"), "wealth", opening_balance=5_000_000)
    for k in range(20):
        b.txn(aid, _at(140 - 7 * k), 60_000, "subscription", "online")
    for k in range(3):
        b.txn(aid, _at(3, 9) + timedelta(hours=12 * k), 50_000, "subscription", "online")
    return aid


def plant_dormant(b: MartBuilder, prefix: str = "DR") -> str:
    aid = b.account(f"{prefix}A", b.customer(f"{prefix}C"), opening_balance=5_000, opened_at=date(2020, 1, 1))
    b.txn(aid, _at(400), 2_000, "deposit", "branch")
    b.txn(aid, _at(380), 1_000, "withdrawal", "atm")
    b.txn(aid, _at(3), 250_000, "transfer_in")
    b.txn(aid, _at(2), 240_000, "transfer_out")
    return aid


def lookalike_dormant(b: MartBuilder, prefix: str = "DRL") -> str:
    """A forgotten account that wakes up for a small top-up: not worth an alert."""
    aid = b.account(f"{prefix}A", b.customer(f"{prefix}C"), opening_balance=3_000, opened_at=date(2020, 1, 1))
    b.txn(aid, _at(420), 1_000, "deposit", "branch")
    b.txn(aid, _at(5), 800, "deposit", "branch")
    return aid


def plant_structuring(b: MartBuilder, prefix: str = "ST") -> str:
    aid = b.account(f"{prefix}A", b.customer(f"{prefix}C"), opening_balance=20_000)
    b.normal_history(aid)
    for k, amount in enumerate((49_000, 48_500, 49_800, 47_900)):
        b.txn(aid, _at(6 - k, 11), amount, "deposit", "counter" if k % 2 else "branch")
    return aid


def lookalike_structuring(b: MartBuilder, prefix: str = "STL") -> str:
    """A shopkeeper banking takings: large cash deposits, but not bunched under the threshold."""
    aid = b.account(f"{prefix}A", b.customer(f"{prefix}C"), opening_balance=50_000)
    b.normal_history(aid)
    for k, amount in enumerate((62_000, 48_000, 75_000, 30_000)):
        b.txn(aid, _at(6 - k, 11), amount, "deposit", "branch")
    return aid


def plant_pass_through(b: MartBuilder, prefix: str = "PT") -> str:
    aid = b.account(f"{prefix}A", b.customer(f"{prefix}C"), "current", opening_balance=3_000)
    b.normal_history(aid, spend=300)
    b.txn(aid, _at(5, 9), 380_000, "transfer_in")
    b.txn(aid, _at(5, 20), 200_000, "transfer_out")
    b.txn(aid, _at(4, 15), 176_000, "transfer_out")
    return aid


def lookalike_pass_through(b: MartBuilder, prefix: str = "PTL") -> str:
    """A trader settling invoices: large sums in and out, but out a week later, not in 48 h."""
    aid = b.account(f"{prefix}A", b.customer(f"{prefix}C"), "current", opening_balance=80_000)
    for k in range(8):
        b.txn(aid, _at(150 - 18 * k, 9), 300_000 + 20_000 * (k % 3), "transfer_in")
        b.txn(aid, _at(143 - 18 * k, 9), 290_000, "transfer_out")
    b.txn(aid, _at(12, 9), 380_000, "transfer_in")
    b.txn(aid, _at(4, 9), 370_000, "transfer_out")
    return aid


PLANTS = {
    "large_outflow": (plant_large_outflow, lookalike_large_outflow),
    "purchase_burst": (plant_purchase_burst, lookalike_purchase_burst),
    "dormant_reactivation": (plant_dormant, lookalike_dormant),
    "structuring": (plant_structuring, lookalike_structuring),
    "pass_through": (plant_pass_through, lookalike_pass_through),
}


def scenario(seed: int = 1) -> tuple[MartBuilder, dict[str, str], dict[str, str]]:
    """Background customers plus one planted case and one look-alike per typology."""
    b = MartBuilder(seed=seed)
    b.populate_background()
    planted = {typ: plant(b) for typ, (plant, _) in PLANTS.items()}
    lookalikes = {typ: look(b) for typ, (_, look) in PLANTS.items()}
    return b, planted, lookalikes
