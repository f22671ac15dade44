"""UBL 2.1 Invoice and CreditNote: the table of where each business term sits (Peppol BIS
Billing 3.0 usage, which XRechnung's UBL syntax shares), written and read by one table."""

from __future__ import annotations

from o2c.invoice.einvoice.table import Field, Fixed, Group, Node

__all__ = ["CAC", "CBC", "CREDIT_NOTE", "INVOICE", "NAMESPACES", "table"]

INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NAMESPACES = {"cac": CAC, "cbc": CBC}

_CUR = (("currencyID", "BT-5"),)


def _amount(key: str, path: str) -> Field:
    return Field(key, path, _CUR)


def _address(prefix: str, path: str) -> Group:
    """BG-5 / BG-8 / BG-12: ``prefix`` is the BT numbers (street, additional, city, postcode,
    subdivision, third line, country)."""
    street, more, city, post, sub, third, country = prefix.split()
    return Group(
        path,
        (
            Field(street, "cbc:StreetName"),
            Field(more, "cbc:AdditionalStreetName"),
            Field(city, "cbc:CityName"),
            Field(post, "cbc:PostalZone"),
            Field(sub, "cbc:CountrySubentity"),
            Group("cac:AddressLine", (Field(third, "cbc:Line"),)),
            Group("cac:Country", (Field(country, "cbc:IdentificationCode"),)),
        ),
    )


def _tax_category(code: str, rate: str, path: str, reason: tuple[str, str] | None = None) -> Group:
    children: tuple[Node, ...] = (Field(code, "cbc:ID"), Field(rate, "cbc:Percent"))
    if reason is not None:
        children += (Field(reason[1], "cbc:TaxExemptionReasonCode"),)
        children += (Field(reason[0], "cbc:TaxExemptionReason"),)
    return Group(path, (*children, Fixed("cac:TaxScheme/cbc:ID", "VAT")))


def _allowance_charge(charge: bool) -> Group:
    flag = "true" if charge else "false"
    key, amount, code, rate, reason, reason_code = (
        ("BG-21", "BT-99", "BT-102", "BT-103", "BT-104", "BT-105")
        if charge
        else ("BG-20", "BT-92", "BT-95", "BT-96", "BT-97", "BT-98")
    )
    alias = "1" if charge else "0"  # xs:boolean's other spelling
    return Group(
        f"cac:AllowanceCharge[cbc:ChargeIndicator='{flag}' or cbc:ChargeIndicator='{alias}']",
        (
            Fixed("cbc:ChargeIndicator", flag),
            Field(reason_code, "cbc:AllowanceChargeReasonCode"),
            Field(reason, "cbc:AllowanceChargeReason"),
            _amount(amount, "cbc:Amount"),
            _tax_category(code, rate, "cac:TaxCategory"),
        ),
        key=key,
    )


def _contact(name: str, phone: str, email: str) -> Group:
    """BG-6 / BG-9: a party's contact."""
    return Group(
        "cac:Contact",
        (
            Field(name, "cbc:Name"),
            Field(phone, "cbc:Telephone"),
            Field(email, "cbc:ElectronicMail"),
        ),
    )


def _seller() -> Group:
    """BG-4: the seller."""
    return Group(
        "cac:AccountingSupplierParty/cac:Party",
        (
            Field("BT-34", "cbc:EndpointID", (("schemeID", "BT-34-1"),)),
            Group(
                "cac:PartyIdentification[not(cbc:ID/@schemeID='SEPA')]",
                (Field("BT-29", "cbc:ID", (("schemeID", "BT-29-1"),)),),
            ),
            Group(
                "cac:PartyIdentification[cbc:ID/@schemeID='SEPA']",
                (Field("BT-90", "cbc:ID"), Fixed("cbc:ID/@schemeID", "SEPA")),
            ),
            Group("cac:PartyName", (Field("BT-28", "cbc:Name"),)),
            _address("BT-35 BT-36 BT-37 BT-38 BT-39 BT-162 BT-40", "cac:PostalAddress"),
            Group(
                "cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']",
                (Field("BT-31", "cbc:CompanyID"), Fixed("cac:TaxScheme/cbc:ID", "VAT")),
            ),
            Group(
                "cac:PartyTaxScheme[not(cac:TaxScheme/cbc:ID='VAT')]",
                (Field("BT-32", "cbc:CompanyID"), Fixed("cac:TaxScheme/cbc:ID", "FC")),
            ),
            Group(
                "cac:PartyLegalEntity",
                (
                    Field("BT-27", "cbc:RegistrationName"),
                    Field("BT-30", "cbc:CompanyID", (("schemeID", "BT-30-1"),)),
                    Field("BT-33", "cbc:CompanyLegalForm"),
                ),
            ),
            _contact("BT-41", "BT-42", "BT-43"),
        ),
    )


def _buyer() -> Group:
    """BG-7: the buyer."""
    return Group(
        "cac:AccountingCustomerParty/cac:Party",
        (
            Field("BT-49", "cbc:EndpointID", (("schemeID", "BT-49-1"),)),
            Group("cac:PartyIdentification", (Field("BT-46", "cbc:ID"),)),
            Group("cac:PartyName", (Field("BT-45", "cbc:Name"),)),
            _address("BT-50 BT-51 BT-52 BT-53 BT-54 BT-163 BT-55", "cac:PostalAddress"),
            Group(
                "cac:PartyTaxScheme",
                (Field("BT-48", "cbc:CompanyID"), Fixed("cac:TaxScheme/cbc:ID", "VAT")),
            ),
            Group(
                "cac:PartyLegalEntity",
                (
                    Field("BT-44", "cbc:RegistrationName"),
                    Field("BT-47", "cbc:CompanyID", (("schemeID", "BT-47-1"),)),
                ),
            ),
            _contact("BT-56", "BT-57", "BT-58"),
        ),
    )


def _payee() -> Group:
    """BG-10: the payee."""
    return Group(
        "cac:PayeeParty",
        (
            Group(
                "cac:PartyIdentification", (Field("BT-60", "cbc:ID", (("schemeID", "BT-60-1"),)),)
            ),
            Group("cac:PartyName", (Field("BT-59", "cbc:Name"),)),
            Group(
                "cac:PartyLegalEntity",
                (Field("BT-61", "cbc:CompanyID", (("schemeID", "BT-61-1"),)),),
            ),
        ),
    )


def _representative() -> Group:
    """BG-11: the seller's tax representative."""
    return Group(
        "cac:TaxRepresentativeParty",
        (
            Group("cac:PartyName", (Field("BT-62", "cbc:Name"),)),
            _address("BT-64 BT-65 BT-66 BT-67 BT-68 BT-164 BT-69", "cac:PostalAddress"),
            Group(
                "cac:PartyTaxScheme",
                (Field("BT-63", "cbc:CompanyID"), Fixed("cac:TaxScheme/cbc:ID", "VAT")),
            ),
        ),
    )


def _means(credit_note: bool) -> Group:
    """BG-16: the payment instructions (a credit note's due date sits here)."""
    return Group(
        "cac:PaymentMeans",
        (
            Field("BT-81", "cbc:PaymentMeansCode", (("name", "BT-82"),)),
            *((Field("BT-9", "cbc:PaymentDueDate"),) if credit_note else ()),
            Field("BT-83", "cbc:PaymentID"),
            Group(
                "cac:PayeeFinancialAccount",
                (
                    Field("BT-84", "cbc:ID"),
                    Field("BT-85", "cbc:Name"),
                    Group("cac:FinancialInstitutionBranch", (Field("BT-86", "cbc:ID"),)),
                ),
            ),
            Group(
                "cac:PaymentMandate",
                (
                    Field("BT-89", "cbc:ID"),
                    Group("cac:PayerFinancialAccount", (Field("BT-91", "cbc:ID"),)),
                ),
            ),
        ),
    )


def _totals() -> tuple[Group, Group]:
    """BG-23 inside the tax total, and BG-22."""
    breakdown = Group(
        "cac:TaxSubtotal",
        (
            _amount("BT-116", "cbc:TaxableAmount"),
            _amount("BT-117", "cbc:TaxAmount"),
            _tax_category("BT-118", "BT-119", "cac:TaxCategory", ("BT-120", "BT-121")),
        ),
        key="BG-23",
    )
    totals = Group(
        "cac:LegalMonetaryTotal",
        (
            _amount("BT-106", "cbc:LineExtensionAmount"),
            _amount("BT-109", "cbc:TaxExclusiveAmount"),
            _amount("BT-112", "cbc:TaxInclusiveAmount"),
            _amount("BT-107", "cbc:AllowanceTotalAmount"),
            _amount("BT-108", "cbc:ChargeTotalAmount"),
            _amount("BT-113", "cbc:PrepaidAmount"),
            _amount("BT-114", "cbc:PayableRoundingAmount"),
            _amount("BT-115", "cbc:PayableAmount"),
        ),
    )
    return Group("cac:TaxTotal", (_amount("BT-110", "cbc:TaxAmount"), breakdown)), totals


def _line(credit_note: bool) -> Group:
    """BG-25: an invoice (credit note) line."""
    kind = "CreditNote" if credit_note else "Invoice"
    quantity = "cbc:CreditedQuantity" if credit_note else "cbc:InvoicedQuantity"
    return Group(
        f"cac:{kind}Line",
        (
            Field("BT-126", "cbc:ID"),
            Field("BT-127", "cbc:Note"),
            Field("BT-129", quantity, (("unitCode", "BT-130"),)),
            _amount("BT-131", "cbc:LineExtensionAmount"),
            # Read only: line allowances (BG-27) and charges (BG-28) of received invoices.
            Group(
                "cac:AllowanceCharge[cbc:ChargeIndicator='false' or cbc:ChargeIndicator='0']",
                (
                    Fixed("cbc:ChargeIndicator", "false"),
                    Field("BT-138", "cbc:MultiplierFactorNumeric"),
                    _amount("BT-136", "cbc:Amount"),
                    _amount("BT-137", "cbc:BaseAmount"),
                ),
                key="BG-27",
            ),
            Group(
                "cac:AllowanceCharge[cbc:ChargeIndicator='true' or cbc:ChargeIndicator='1']",
                (Fixed("cbc:ChargeIndicator", "true"), _amount("BT-141", "cbc:Amount")),
                key="BG-28",
            ),
            Group(
                "cac:Item",
                (
                    Field("BT-153", "cbc:Name"),
                    Group("cac:SellersItemIdentification", (Field("BT-155", "cbc:ID"),)),
                    _tax_category("BT-151", "BT-152", "cac:ClassifiedTaxCategory"),
                    Group(
                        "cac:AdditionalItemProperty",
                        (Field("BT-160", "cbc:Name"), Field("BT-161", "cbc:Value")),
                        key="BG-32",
                    ),
                ),
            ),
            Group(
                "cac:Price",
                (
                    _amount("BT-146", "cbc:PriceAmount"),
                    Field("BT-149", "cbc:BaseQuantity"),
                    Group(
                        "cac:AllowanceCharge",
                        (
                            Fixed("cbc:ChargeIndicator", "false"),
                            _amount("BT-147", "cbc:Amount"),
                            _amount("BT-148", "cbc:BaseAmount"),
                        ),
                    ),
                ),
            ),
        ),
        key="BG-25",
    )


def table(credit_note: bool) -> tuple[Node, ...]:
    """The BT mapping of a UBL Invoice (or CreditNote), in the schema's element order."""
    kind = "CreditNote" if credit_note else "Invoice"
    due = () if credit_note else (Field("BT-9", "cbc:DueDate"),)
    project = (
        Group(
            "cac:AdditionalDocumentReference[cbc:DocumentTypeCode='50']",
            (Field("BT-11", "cbc:ID"), Fixed("cbc:DocumentTypeCode", "50")),
        )
        if credit_note
        else Group("cac:ProjectReference", (Field("BT-11", "cbc:ID"),))
    )
    return (
        Field("BT-24", "cbc:CustomizationID"),
        Field("BT-23", "cbc:ProfileID"),
        Field("BT-1", "cbc:ID"),
        Field("BT-2", "cbc:IssueDate"),
        *due,
        Field("BT-3", f"cbc:{kind}TypeCode"),
        Field("BT-22", "cbc:Note"),
        Field("BT-5", "cbc:DocumentCurrencyCode"),
        Field("BT-10", "cbc:BuyerReference"),
        Group("cac:OrderReference", (Field("BT-13", "cbc:ID"), Field("BT-14", "cbc:SalesOrderID"))),
        Group("cac:BillingReference/cac:InvoiceDocumentReference", (Field("BT-25", "cbc:ID"),)),
        Group("cac:ContractDocumentReference", (Field("BT-12", "cbc:ID"),)),
        project,
        _seller(),
        _buyer(),
        _payee(),
        _representative(),
        Group("cac:Delivery", (Field("BT-72", "cbc:ActualDeliveryDate"),)),
        _means(credit_note),
        Group("cac:PaymentTerms", (Field("BT-20", "cbc:Note"),)),
        _allowance_charge(False),
        _allowance_charge(True),
        *_totals(),
        _line(credit_note),
    )
