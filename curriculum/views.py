from django.http import HttpResponse


def catalogue(request):
    return HttpResponse("todo")


module_detail = list_detail = catalogue
