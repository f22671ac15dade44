"""UN/CEFACT Cross Industry Invoice D16B (the EN 16931 binding, Factur-X EN 16931 profile,
XRechnung CII): the table of where each business term sits, written and read by one table."""

from __future__ import annotations

from o2c.invoice.einvoice.table import Field, Fixed, Group, Node

__all__ = ["NAMESPACES", "RAM", "RSM", "TABLE", "UDT"]

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NAMESPACES = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}


def _date(key: str, path: str) -> Field:
    return Field(key, f"{path}/udt:DateTimeString", date="102")


def _address(keys: str) -> Group:
    """BG-5 / BG-8 / BG-12 from the BT numbers (street, additional, city, postcode,
    subdivision, third line, country), in CII's element order."""
    street, more, city, post, sub, third, country = keys.split()
    return Group(
        "ram:PostalTradeAddress",
        (
            Field(post, "ram:PostcodeCode"),
            Field(street, "ram:LineOne"),
            Field(more, "ram:LineTwo"),
            Field(third, "ram:LineThree"),
            Field(city, "ram:CityName"),
            Field(country, "ram:CountryID"),
            Field(sub, "ram:CountrySubDivisionName"),
        ),
    )


def _contact(name: str, phone: str, email: str) -> Group:
    return Group(
        "ram:DefinedTradeContact",
        (
            Field(name, "ram:PersonName"),
            Group("ram:TelephoneUniversalCommunication", (Field(phone, "ram:CompleteNumber"),)),
            Group("ram:EmailURIUniversalCommunication", (Field(email, "ram:URIID"),)),
        ),
    )


def _vat_id(key: str, scheme: str = "VA") -> Group:
    return Group(
        f"ram:SpecifiedTaxRegistration[ram:ID/@schemeID='{scheme}']",
        (Field(key, "ram:ID"), Fixed("ram:ID/@schemeID", scheme)),
    )


def _allowance_charge(charge: bool) -> Group:
    flag = "true" if charge else "false"
    key, amount, code, rate, reason, reason_code = (
        ("BG-21", "BT-99", "BT-102", "BT-103", "BT-104", "BT-105")
        if charge
        else ("BG-20", "BT-92", "BT-95", "BT-96", "BT-97", "BT-98")
    )
    return Group(
        f"ram:SpecifiedTradeAllowanceCharge[ram:ChargeIndicator/udt:Indicator='{flag}']",
        (
            Fixed("ram:ChargeIndicator/udt:Indicator", flag),
            Field(amount, "ram:ActualAmount"),
            Field(reason_code, "ram:ReasonCode"),
            Field(reason, "ram:Reason"),
            Group(
                "ram:CategoryTradeTax",
                (
                    Fixed("ram:TypeCode", "VAT"),
                    Field(code, "ram:CategoryCode"),
                    Field(rate, "ram:RateApplicablePercent"),
                ),
            ),
        ),
        key=key,
    )


_LINE = Group(
    "ram:IncludedSupplyChainTradeLineItem",
    (
        Group(
            "ram:AssociatedDocumentLineDocument",
            (
                Field("BT-126", "ram:LineID"),
                Group("ram:IncludedNote", (Field("BT-127", "ram:Content"),)),
            ),
        ),
        Group(
            "ram:SpecifiedTradeProduct",
            (
                Field("BT-155", "ram:SellerAssignedID"),
                Field("BT-153", "ram:Name"),
                Group(
                    "ram:ApplicableProductCharacteristic",
                    (Field("BT-160", "ram:Description"), Field("BT-161", "ram:Value")),
                    key="BG-32",
                ),
            ),
        ),
        Group(
            "ram:SpecifiedLineTradeAgreement",
            (
                Group(
                    "ram:GrossPriceProductTradePrice",
                    (
                        Field("BT-148", "ram:ChargeAmount"),
                        Field("BT-149-G", "ram:BasisQuantity"),
                        Group(
                            "ram:AppliedTradeAllowanceCharge",
                            (
                                Fixed("ram:ChargeIndicator/udt:Indicator", "false"),
                                Field("BT-147", "ram:ActualAmount"),
                            ),
                        ),
                    ),
                ),
                Group(
                    "ram:NetPriceProductTradePrice",
                    (Field("BT-146", "ram:ChargeAmount"), Field("BT-149", "ram:BasisQuantity")),
                ),
            ),
        ),
        Group(
            "ram:SpecifiedLineTradeDelivery",
            (Field("BT-129", "ram:BilledQuantity", (("unitCode", "BT-130"),)),),
        ),
        Group(
            "ram:SpecifiedLineTradeSettlement",
            (
                Group(
                    "ram:ApplicableTradeTax",
                    (
                        Fixed("ram:TypeCode", "VAT"),
                        Field("BT-151", "ram:CategoryCode"),
                        Field("BT-152", "ram:RateApplicablePercent"),
                    ),
                ),
                # Read only: line allowances (BG-27) and charges (BG-28) of received invoices.
                Group(
                    "ram:SpecifiedTradeAllowanceCharge[ram:ChargeIndicator/udt:Indicator='false']",
                    (
                        Fixed("ram:ChargeIndicator/udt:Indicator", "false"),
                        Field("BT-138", "ram:CalculationPercent"),
                        Field("BT-137", "ram:BasisAmount"),
                        Field("BT-136", "ram:ActualAmount"),
                    ),
                    key="BG-27",
                ),
                Group(
                    "ram:SpecifiedTradeAllowanceCharge[ram:ChargeIndicator/udt:Indicator='true']",
                    (
                        Fixed("ram:ChargeIndicator/udt:Indicator", "true"),
                        Field("BT-141", "ram:ActualAmount"),
                    ),
                    key="BG-28",
                ),
                Group(
                    "ram:SpecifiedTradeSettlementLineMonetarySummation",
                    (Field("BT-131", "ram:LineTotalAmount"),),
                ),
            ),
        ),
    ),
    key="BG-25",
)

_SELLER = Group(
    "ram:SellerTradeParty",
    (
        Field("BT-29", "ram:ID"),
        Field("BT-29-G", "ram:GlobalID", (("schemeID", "BT-29-1"),)),
        Field("BT-27", "ram:Name"),
        Field("BT-33", "ram:Description"),
        Group(
            "ram:SpecifiedLegalOrganization",
            (
                Field("BT-30", "ram:ID", (("schemeID", "BT-30-1"),)),
                Field("BT-28", "ram:TradingBusinessName"),
            ),
        ),
        _contact("BT-41", "BT-42", "BT-43"),
        _address("BT-35 BT-36 BT-37 BT-38 BT-39 BT-162 BT-40"),
        Group(
            "ram:URIUniversalCommunication",
            (Field("BT-34", "ram:URIID", (("schemeID", "BT-34-1"),)),),
        ),
        _vat_id("BT-31"),
        _vat_id("BT-32", "FC"),
    ),
)

_BUYER = Group(
    "ram:BuyerTradeParty",
    (
        Field("BT-46", "ram:ID"),
        Field("BT-44", "ram:Name"),
        Group(
            "ram:SpecifiedLegalOrganization",
            (
                Field("BT-47", "ram:ID", (("schemeID", "BT-47-1"),)),
                Field("BT-45", "ram:TradingBusinessName"),
            ),
        ),
        _contact("BT-56", "BT-57", "BT-58"),
        _address("BT-50 BT-51 BT-52 BT-53 BT-54 BT-163 BT-55"),
        Group(
            "ram:URIUniversalCommunication",
            (Field("BT-49", "ram:URIID", (("schemeID", "BT-49-1"),)),),
        ),
        _vat_id("BT-48"),
    ),
)

_REPRESENTATIVE = Group(
    "ram:SellerTaxRepresentativeTradeParty",
    (
        Field("BT-62", "ram:Name"),
        _address("BT-64 BT-65 BT-66 BT-67 BT-68 BT-164 BT-69"),
        _vat_id("BT-63"),
    ),
)

_PAYEE = Group(
    "ram:PayeeTradeParty",
    (
        Field("BT-60", "ram:ID"),
        Field("BT-60-G", "ram:GlobalID", (("schemeID", "BT-60-1"),)),
        Field("BT-59", "ram:Name"),
        Group(
            "ram:SpecifiedLegalOrganization",
            (Field("BT-61", "ram:ID", (("schemeID", "BT-61-1"),)),),
        ),
    ),
)

_SETTLEMENT = Group(
    "ram:ApplicableHeaderTradeSettlement",
    (
        Field("BT-90", "ram:CreditorReferenceID"),
        Field("BT-83", "ram:PaymentReference"),
        Field("BT-5", "ram:InvoiceCurrencyCode"),
        _PAYEE,
        Group(
            "ram:SpecifiedTradeSettlementPaymentMeans",
            (
                Field("BT-81", "ram:TypeCode"),
                Field("BT-82", "ram:Information"),
                Group("ram:PayerPartyDebtorFinancialAccount", (Field("BT-91", "ram:IBANID"),)),
                Group(
                    "ram:PayeePartyCreditorFinancialAccount",
                    (Field("BT-84", "ram:IBANID"), Field("BT-85", "ram:AccountName")),
                ),
                Group(
                    "ram:PayeeSpecifiedCreditorFinancialInstitution",
                    (Field("BT-86", "ram:BICID"),),
                ),
            ),
        ),
        Group(
            "ram:ApplicableTradeTax",
            (
                Field("BT-117", "ram:CalculatedAmount"),
                Fixed("ram:TypeCode", "VAT"),
                Field("BT-120", "ram:ExemptionReason"),
                Field("BT-116", "ram:BasisAmount"),
                Field("BT-118", "ram:CategoryCode"),
                Field("BT-121", "ram:ExemptionReasonCode"),
                Field("BT-119", "ram:RateApplicablePercent"),
            ),
            key="BG-23",
        ),
        _allowance_charge(False),
        _allowance_charge(True),
        Group(
            "ram:SpecifiedTradePaymentTerms",
            (
                Field("BT-20", "ram:Description"),
                _date("BT-9", "ram:DueDateDateTime"),
                Field("BT-89", "ram:DirectDebitMandateID"),
            ),
        ),
        Group(
            "ram:SpecifiedTradeSettlementHeaderMonetarySummation",
            (
                Field("BT-106", "ram:LineTotalAmount"),
                Field("BT-108", "ram:ChargeTotalAmount"),
                Field("BT-107", "ram:AllowanceTotalAmount"),
                Field("BT-109", "ram:TaxBasisTotalAmount"),
                Field("BT-110", "ram:TaxTotalAmount", (("currencyID", "BT-5"),)),
                Field("BT-114", "ram:RoundingAmount"),
                Field("BT-112", "ram:GrandTotalAmount"),
                Field("BT-113", "ram:TotalPrepaidAmount"),
                Field("BT-115", "ram:DuePayableAmount"),
            ),
        ),
        Group("ram:InvoiceReferencedDocument", (Field("BT-25", "ram:IssuerAssignedID"),)),
    ),
)

#: The BT mapping of a CII invoice or credit note, in the schema's element order.
TABLE: tuple[Node, ...] = (
    Group(
        "rsm:ExchangedDocumentContext",
        (
            Group(
                "ram:BusinessProcessSpecifiedDocumentContextParameter", (Field("BT-23", "ram:ID"),)
            ),
            Group("ram:GuidelineSpecifiedDocumentContextParameter", (Field("BT-24", "ram:ID"),)),
        ),
    ),
    Group(
        "rsm:ExchangedDocument",
        (
            Field("BT-1", "ram:ID"),
            Field("BT-3", "ram:TypeCode"),
            _date("BT-2", "ram:IssueDateTime"),
            Group("ram:IncludedNote", (Field("BT-22", "ram:Content"),)),
        ),
    ),
    Group(
        "rsm:SupplyChainTradeTransaction",
        (
            _LINE,
            Group(
                "ram:ApplicableHeaderTradeAgreement",
                (
                    Field("BT-10", "ram:BuyerReference"),
                    _SELLER,
                    _BUYER,
                    _REPRESENTATIVE,
                    Group(
                        "ram:SellerOrderReferencedDocument",
                        (Field("BT-14", "ram:IssuerAssignedID"),),
                    ),
                    Group(
                        "ram:BuyerOrderReferencedDocument",
                        (Field("BT-13", "ram:IssuerAssignedID"),),
                    ),
                    Group(
                        "ram:ContractReferencedDocument", (Field("BT-12", "ram:IssuerAssignedID"),)
                    ),
                    Group(
                        "ram:SpecifiedProcuringProject",
                        (Field("BT-11", "ram:ID"), Fixed("ram:Name", "Project")),
                    ),
                ),
                always=True,
            ),
            Group(
                "ram:ApplicableHeaderTradeDelivery",
                (_date("BT-72", "ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime"),),
                always=True,
            ),
            _SETTLEMENT,
        ),
        always=True,
    ),
)
