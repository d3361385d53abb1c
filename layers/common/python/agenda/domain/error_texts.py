"""The API's error messages in Brazilian Portuguese.

An error is raised with its message in English, and that English text is the message's id (as
gettext's msgid is): this table gives its Portuguese. A message built from parts (a date, a
number of hours, an action) is matched by its pattern, and each part that is a word is given
in Portuguese too. A message the table does not know is answered as it was raised, in English,
so a new message is never lost for want of a translation (tests/unit/test_error_texts.py lists
the ones missing).

Only the words change: the error's code, status and fields' names stay the contract's.
Imported only when an error is answered in Portuguese.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType

PT_BR: Mapping[str, str] = MappingProxyType(
    {
        # reading the request
        "No such route": "Esta rota não existe",
        "The body is not valid base64": "O corpo não é base64 válido",
        "A JSON body is required": "É preciso enviar um corpo JSON",
        "The body is not valid JSON": "O corpo não é um JSON válido",
        "The body must be a JSON object": "O corpo deve ser um objeto JSON",
        "Sign in to continue": "Entre na sua conta para continuar",
        "Something went wrong on our side": "Algo deu errado do nosso lado",
        "Some fields are missing or invalid": "Alguns campos estão faltando ou são inválidos",
        "The query is invalid": "A consulta é inválida",
        "The cursor is invalid": "O cursor é inválido",
        "Too many attempts, please try again later": (
            "Muitas tentativas: tente novamente mais tarde"
        ),
        # who may
        "This link is invalid or has expired": "Este link é inválido ou expirou",
        "Only a professional has an appointments dashboard:"
        " a client's appointments are at /api/client-profile": (
            "Só um profissional tem um painel de agendamentos:"
            " os agendamentos de um cliente estão em /api/client-profile"
        ),
        "No client profile for this sign-in": "Não há perfil de cliente para este acesso",
        "Only a professional has an availability to manage": (
            "Só um profissional tem uma disponibilidade para gerenciar"
        ),
        "No professional account for this sign-in": (
            "Não há conta de profissional para este acesso"
        ),
        # what is not there
        "We could not find this appointment": "Não encontramos este agendamento",
        "We could not find this professional": "Não encontramos este profissional",
        # the client list ("We could not find this client" is with the private notes')
        "Another of your clients already has this phone number or email": (
            "Outro cliente seu já tem este telefone ou e-mail"
        ),
        "another of your clients has this phone number": "outro cliente seu tem este telefone",
        "another of your clients has this email": "outro cliente seu tem este e-mail",
        "This client deleted their data: their details can no longer be changed": (
            "Este cliente apagou seus dados: os dados dele não podem mais ser alterados"
        ),
        "must name at least one of name, phone, email or tags": (
            "deve trazer ao menos um entre name, phone, email ou tags"
        ),
        "must be at most 100 characters": "deve ter no máximo 100 caracteres",
        "must have at most 20 tags": "deve ter no máximo 20 etiquetas",
        "each tag must be one line without control characters": (
            "cada etiqueta deve ser uma linha, sem caracteres de controle"
        ),
        "each tag must have from 1 to 32 characters": "cada etiqueta deve ter de 1 a 32 caracteres",
        "No such notification": "Esta notificação não existe",
        # booking
        "That time is in the past: please choose another one": (
            "Esse horário já passou: escolha outro"
        ),
        "The professional is not available at that time: please choose one of the free times": (
            "O profissional não atende nesse horário: escolha um dos horários livres"
        ),
        "Someone has just booked that time: please choose another one": (
            "Alguém acabou de agendar esse horário: escolha outro"
        ),
        "This time was just taken, please choose another one": (
            "Esse horário acabou de ser ocupado: escolha outro"
        ),
        "The booking's time was taken meanwhile": (
            "O horário do agendamento foi ocupado nesse meio-tempo"
        ),
        "The professional is changing their schedule: please try again": (
            "O profissional está mudando a agenda: tente novamente"
        ),
        "This professional is not taking bookings at the moment": (
            "Este profissional não está recebendo agendamentos no momento"
        ),
        "This professional is not accepting new clients at the moment": (
            "Este profissional não está aceitando novos clientes no momento"
        ),
        "Your plan's client limit is reached: change your plan to add more clients": (
            "Seu plano chegou ao limite de clientes: mude de plano para adicionar mais clientes"
        ),
        "This professional has no more bookings available this month": (
            "Este profissional não tem mais agendamentos disponíveis neste mês"
        ),
        # an appointment's changes
        "That is not something that can be done to an appointment": (
            "Isso não é algo que se possa fazer com um agendamento"
        ),
        "This appointment was already paid": "Este agendamento já foi pago",
        "Only a cancellation can be counted as late": (
            "Só um cancelamento pode ser contado como tardio"
        ),
        "Only the professional can count a cancellation as late": (
            "Só o profissional pode contar um cancelamento como tardio"
        ),
        "The appointment is already at that time: choose another one": (
            "O agendamento já está nesse horário: escolha outro"
        ),
        "The availability is invalid": "A disponibilidade é inválida",
        # billing and payments
        "You already have a subscription: change or cancel it in the billing portal": (
            "Você já tem uma assinatura: mude ou cancele no portal de cobrança"
        ),
        "There is no billing account yet: choose a plan first": (
            "Ainda não há conta de cobrança: escolha um plano primeiro"
        ),
        "There is no billing account to manage: choose a plan first": (
            "Não há conta de cobrança para gerenciar: escolha um plano primeiro"
        ),
        "Payments are unavailable right now, please try again shortly": (
            "Os pagamentos estão indisponíveis agora: tente novamente em instantes"
        ),
        "The event is not valid JSON": "O evento não é um JSON válido",
        "The body is not a Stripe event": "O corpo não é um evento do Stripe",
        # the database
        "The database is not reachable right now": "O banco de dados não está acessível agora",
        "The database connection was lost": "A conexão com o banco de dados caiu",
        # accounts
        "Type your page's address to confirm the deletion": (
            "Digite o endereço da sua página para confirmar a exclusão"
        ),
        "Type your account's email or phone to confirm the deletion": (
            "Digite o e-mail ou o telefone da sua conta para confirmar a exclusão"
        ),
        "must be your account's email or phone": "deve ser o e-mail ou o telefone da sua conta",
        "This address is already taken": "Este endereço já está em uso",
        "This address is already taken: choose another one": (
            "Este endereço já está em uso: escolha outro"
        ),
        "This sign-in already has a professional account": (
            "Este acesso já tem uma conta de profissional"
        ),
        # the profile photo
        "Photo uploads are unavailable right now, please try again shortly": (
            "O envio de fotos está indisponível agora: tente novamente em instantes"
        ),
        "The photo must be a JPEG, PNG or WebP image": "A foto deve ser JPEG, PNG ou WebP",
        "must be image/jpeg, image/png or image/webp": (
            "deve ser image/jpeg, image/png ou image/webp"
        ),
        "No such upload": "Este envio não existe",
        "The photo must not exceed 2 MB": "A foto não pode passar de 2 MB",
        "The photo is empty": "A foto está vazia",
        "the uploaded file is empty": "o arquivo enviado está vazio",
        "The uploaded file is not the image it claims to be": (
            "O arquivo enviado não é a imagem que diz ser"
        ),
        "No upload under this key: it expired or was never made": (
            "Nenhum envio com esta chave: ele expirou ou nunca foi feito"
        ),
        # field messages
        "is required": "é obrigatório",
        "is not valid": "não é válido",
        "is required, as YYYY-MM-DD": "é obrigatório, no formato AAAA-MM-DD",
        "is required to reschedule": "é obrigatório para remarcar",
        "give either clientId or client, not both": "informe clientId ou client, não os dois",
        "must be true or false": "deve ser true ou false",
        "must not be before from": "não pode ser antes de from",
        "must be lowercase letters, digits and single hyphens": (
            "deve ter letras minúsculas, dígitos e hífens simples"
        ),
        "applies only to the cancel action": "vale só para a ação cancel",
        "must differ from the appointment's current time": (
            "deve ser diferente do horário atual do agendamento"
        ),
        "must be your page's address (slug)": "deve ser o endereço da sua página (slug)",
        "must have at least 2 characters": "deve ter pelo menos 2 caracteres",
        "must not contain control characters": "não pode conter caracteres de controle",
        "must be a phone number with area code, e.g. (11) 98765-4321": (
            "deve ser um telefone com DDD, por exemplo (11) 98765-4321"
        ),
        "must be a valid email address": "deve ser um e-mail válido",
        "must be a date as YYYY-MM-DD": "deve ser uma data no formato AAAA-MM-DD",
        "must be an ISO 8601 date-time such as 2026-03-09T14:00:00-03:00": (
            "deve ser uma data e hora ISO 8601, como 2026-03-09T14:00:00-03:00"
        ),
        "must include a UTC offset, for example -03:00 or Z": (
            "deve incluir o deslocamento de UTC, por exemplo -03:00 ou Z"
        ),
        # claiming client records and the client's contact (docs/client-profile.md)
        "This client record belongs to another account": (
            "Este cadastro de cliente pertence a outra conta"
        ),
        "No client record to claim here": "Não há cadastro de cliente para vincular aqui",
        "This code is wrong or has expired: ask for a new one": (
            "Este código está errado ou expirou: peça um novo"
        ),
        "is invalid or has expired": "é inválido ou expirou",
        "is wrong or has expired": "está errado ou expirou",
        "give either invite, or clientId with code": "envie invite, ou clientId com code",
        "Another client of one of your professionals has this contact already": (
            "Outro cliente de um dos seus profissionais já tem este contato"
        ),
        "is another client's already": "já é de outro cliente",
        "names nothing to change": "não indica nada para mudar",
        "change the phone and the email one at a time": (
            "mude o telefone e o e-mail um de cada vez"
        ),
        # private notes (docs/client-relationship.md)
        "We could not find this client": "Não encontramos este cliente",
        "We could not find this note": "Não encontramos esta anotação",
        "must not be blank": "não pode ficar em branco",
        # messages (docs/client-relationship.md)
        "We could not find this conversation": "Não encontramos esta conversa",
        "must be text": "deve ser um texto",
        "must be at most 2000 characters": "deve ter no máximo 2000 caracteres",
        # reviews (docs/client-relationship.md)
        "We could not find this review": "Não encontramos esta avaliação",
        "Only a completed session can be reviewed": (
            "Só um atendimento concluído pode ser avaliado"
        ),
        "This session has been reviewed already": "Este atendimento já foi avaliado",
        "This review has a reply already": "Esta avaliação já tem uma resposta",
        "is required to hide a review": "é obrigatório para ocultar uma avaliação",
        "only goes with hidden: true": "só vai com hidden: true",
        # pydantic's own words for the common cases
        "Field required": "Campo obrigatório",
        "Extra inputs are not permitted": "Campos extras não são permitidos",
        "Input should be a valid string": "Deve ser um texto",
        "Input should be a valid integer": "Deve ser um número inteiro",
        "Input should be a valid boolean": "Deve ser true ou false",
        "Input should be a valid number": "Deve ser um número",
    }
)

# The words that fill the patterns below (lifecycle's actions and statuses).
_PARTS_PT: Mapping[str, str] = MappingProxyType(
    {
        "confirmed": "confirmado",
        "declined": "recusado",
        "cancelled": "cancelado",
        "marked as paid": "marcado como pago",
        "marked as completed": "marcado como concluído",
        "marked as a no-show": "marcado como falta",
        "rescheduled": "remarcado",
        "confirm an appointment": "confirmar um agendamento",
        "decline an appointment": "recusar um agendamento",
        "mark an appointment as paid": "marcar um agendamento como pago",
        "mark an appointment as completed": "marcar um agendamento como concluído",
        "mark an appointment as a no-show": "marcar um agendamento como falta",
        "is still awaiting payment": "ainda aguarda pagamento",
        "is still awaiting confirmation": "ainda aguarda confirmação",
        "is already confirmed": "já está confirmado",
        "was declined": "foi recusado",
        "was cancelled": "foi cancelado",
        "was completed": "foi concluído",
        "was marked as a no-show": "foi marcado como falta",
        "was already paid": "já foi pago",
        "was refunded": "foi devolvido",
    }
)


def _part(word: str) -> str:
    return _PARTS_PT.get(word, word)


type Pattern = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]

_PATTERNS_PT: tuple[Pattern, ...] = (
    (
        re.compile(r"Bookings with this professional are open until (\S+)"),
        lambda m: f"Os agendamentos com este profissional estão abertos até {m[1]}",
    ),
    (
        re.compile(r"The body must not exceed (\d+) bytes"),
        lambda m: f"O corpo não pode passar de {m[1]} bytes",
    ),
    (
        re.compile(r"Only the professional can (.+)"),
        lambda m: f"Só o profissional pode {_part(m[1])}",
    ),
    (
        re.compile(r"This appointment was already (.+)"),
        lambda m: f"Este agendamento já foi {_part(m[1])}",
    ),
    (
        re.compile(r"This appointment (.+), so it cannot be (.+)"),
        lambda m: f"Este agendamento {_part(m[1])}, então não pode ser {_part(m[2])}",
    ),
    (
        re.compile(r"This appointment (.+), so it can no longer be (.+)"),
        lambda m: f"Este agendamento {_part(m[1])}, então não pode mais ser {_part(m[2])}",
    ),
    (
        re.compile(r"This appointment's payment (.+), so it cannot be marked as paid"),
        lambda m: (
            f"O pagamento deste agendamento {_part(m[1])}, então ele não pode ser marcado como pago"
        ),
    ),
    (
        re.compile(r"This session has not started yet, so it cannot be (.+)"),
        lambda m: f"Este atendimento ainda não começou, então não pode ser {_part(m[1])}",
    ),
    (
        re.compile(
            r"This appointment can no longer be (\w+) online: it has started\."
            r" Please contact the professional\."
        ),
        lambda m: (
            f"Este agendamento não pode mais ser {_part(m[1])} online: ele já começou."
            " Fale com o profissional."
        ),
    ),
    (
        re.compile(
            r"Appointments with this professional can be (\w+) online up to (\d+) hours"
            r" before they start\. Please contact the professional\."
        ),
        lambda m: (
            f"Agendamentos com este profissional podem ser {_part(m[1])}s online até"
            f" {m[2]} horas antes do início. Fale com o profissional."
        ),
    ),
    (re.compile(r"must be one of: (.+)"), lambda m: f"deve ser um destes: {m[1]}"),
    (
        re.compile(r"must be a whole number from (\d+) to (\d+)"),
        lambda m: f"deve ser um número inteiro de {m[1]} a {m[2]}",
    ),
    (re.compile(r"must be from (\S+) to (\S+)"), lambda m: f"deve estar entre {m[1]} e {m[2]}"),
    (
        re.compile(r"must have at most (\d+) characters"),
        lambda m: f"deve ter no máximo {m[1]} caracteres",
    ),
    (
        re.compile(r"String should have at least (\d+) characters?"),
        lambda m: f"Deve ter pelo menos {m[1]} caractere" + ("s" if m[1] != "1" else ""),
    ),
    (
        re.compile(r"String should have at most (\d+) characters?"),
        lambda m: f"Deve ter no máximo {m[1]} caractere" + ("s" if m[1] != "1" else ""),
    ),
)


def in_portuguese(message: str) -> str | None:
    """The Portuguese of one English error message, or None when the table has none."""
    known = PT_BR.get(message)
    if known is not None:
        return known
    for pattern, write in _PATTERNS_PT:
        match = pattern.fullmatch(message)
        if match is not None:
            return write(match)
    return None


def translate(message: str, language: str) -> str:
    """`message` in `language` ("pt-BR" or "en"); English, as raised, when not known."""
    if language == "pt-BR":
        return in_portuguese(message) or message
    return message
